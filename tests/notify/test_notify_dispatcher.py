"""The dispatcher thread: never blocks submit(), retries with back-off, isolates a bad destination."""

from __future__ import annotations

import logging
import threading

import pytest
from drm_fakes import free_port, wait_for
from notify_helpers import firing, resolved

from drm_dashboard.analytics.alert_rules import AlertConfig, SlackConfig, WebhookConfig
from drm_dashboard.notify import (
    NotificationDispatcher, SlackDestination, WebhookDestination, build_destinations,
)

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def running():
    """Start dispatchers on demand; stop and join every one at the end."""
    started: list[NotificationDispatcher] = []

    def start(destinations, **kwargs) -> NotificationDispatcher:
        dispatcher = NotificationDispatcher(destinations, **kwargs)
        dispatcher.start()
        started.append(dispatcher)
        return dispatcher
    yield start
    for dispatcher in started:
        dispatcher.stop()
        assert dispatcher.join(5)


def test_firing_and_resolved_reach_webhook_and_slack(sink, running):
    d = running([WebhookDestination(sink.url("/hook"), timeout_s=2.0),
                 SlackDestination(sink.url("/slack"), timeout_s=2.0)])
    assert any(t.name == "drm-notify" and t.daemon for t in threading.enumerate())
    d.submit(firing())
    d.submit(resolved())
    assert wait_for(lambda: d.sent == 4)
    assert [b["state"] for b in sink.bodies("/hook")] == ["firing", "resolved"]
    assert [b["text"].split()[2] for b in sink.bodies("/slack")] == ["[firing]", "[resolved]"]
    assert d.stats() == {"sent": 4, "failed": 0, "dropped": 0, "retried": 0, "queued": 0}


def test_min_level_filters_per_destination(sink, running):
    d = running([WebhookDestination(sink.url("/all"), min_level="info", timeout_s=2.0),
                 WebhookDestination(sink.url("/errors"), min_level="error", timeout_s=2.0)])
    for level in ("info", "warning", "error", "critical"):
        d.submit(firing(level))
    assert wait_for(lambda: d.sent == 6)
    assert [b["level"] for b in sink.bodies("/errors")] == ["error", "critical"]
    assert len(sink.bodies("/all")) == 4


def test_a_failing_destination_is_retried_with_back_off_then_counted_failed(sink, running):
    sink.status = 503
    d = running([WebhookDestination(sink.url("/flaky"), timeout_s=2.0)], retries=3, backoff_s=0.05)
    d.submit(firing())
    assert wait_for(lambda: d.failed == 1)
    times = sink.times("/flaky")
    assert len(times) == 4  # the first attempt and three retries
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert [g >= expected for g, expected in zip(gaps, (0.05, 0.1, 0.2))] == [True] * 3
    assert (d.sent, d.failed, d.stats()["retried"]) == (0, 1, 3)


def test_a_refusing_destination_does_not_hold_back_the_others(sink, running):
    refused = WebhookDestination(f"http://127.0.0.1:{free_port()}/hook", timeout_s=2.0)
    # a back-off far longer than the test: if the good destination waited for it, nothing would land
    d = running([refused, WebhookDestination(sink.url("/good"), timeout_s=2.0)],
                retries=1, backoff_s=60.0)
    d.submit(firing(n=1))
    d.submit(firing(n=2))
    assert wait_for(lambda: len(sink.bodies("/good")) == 2, timeout=15.0)
    assert wait_for(lambda: d.stats()["retried"] == 2, timeout=15.0)
    # both refused deliveries wait in the schedule, not in front of the good destination; a
    # delivery counts as sent once its answer is back, which may be after the sink has the body
    assert wait_for(lambda: d.sent == 2, timeout=15.0) and d.failed == 0


def test_submit_never_blocks_while_a_destination_hangs(sink, running):
    hanging = WebhookDestination(sink.url("/hang"), timeout_s=60.0)
    d = running([hanging], retries=0)
    d.submit(firing(n=0))
    assert wait_for(lambda: len(sink.bodies("/hang")) == 1, timeout=15.0)  # delivery now stuck
    for n in range(1, 50):
        d.submit(firing(n=n))
    # a submit that waited for delivery could not return before the stuck request's 60 s timeout
    assert (d.sent, d.failed) == (0, 0) and len(sink.bodies("/hang")) == 1
    sink.release.set()  # let the stuck delivery finish, so the dispatcher can be joined


def test_a_hanging_destination_delays_the_others_by_its_timeout_only(sink, running):
    hanging = WebhookDestination(sink.url("/hang"), timeout_s=0.5)
    d = running([hanging, WebhookDestination(sink.url("/good"), timeout_s=2.0)], retries=0)
    d.submit(firing(n=1))
    # the sink holds /hang for 30 s: a delivery within 15 s means only the 0.5 s timeout was waited
    assert wait_for(lambda: len(sink.bodies("/good")) == 1, timeout=15.0)
    assert wait_for(lambda: d.failed == 1, timeout=15.0)


def test_a_full_queue_drops_the_oldest_and_counts_it(sink, running):
    d = NotificationDispatcher([WebhookDestination(sink.url("/hook"), timeout_s=2.0)], max_queue=3)
    for n in range(5):
        d.submit(firing(n=n))  # not started yet: the queue fills
    assert d.dropped == 2
    d.start()
    try:
        assert wait_for(lambda: d.sent == 3)
        assert [b["id"][-1] for b in sink.bodies("/hook")] == ["2", "3", "4"]
    finally:
        d.stop()
        assert d.join(5)


def test_stop_ends_a_thread_waiting_on_a_long_back_off(running):
    dead = WebhookDestination(f"http://127.0.0.1:{free_port()}/x", timeout_s=1.0)
    d = running([dead], retries=5, backoff_s=60.0)
    d.submit(firing())
    assert wait_for(lambda: d.stats()["retried"] == 1)
    d.stop()
    assert d.join(2)
    assert not d.is_alive


def test_no_url_token_appears_in_any_log_line(caplog, running, sink):
    caplog.set_level(logging.DEBUG)
    port = free_port()
    config = AlertConfig(destinations=(
        WebhookConfig(f"http://127.0.0.1:{port}/hook?token=tok-123", timeout_s=1.0),
        SlackConfig(f"http://127.0.0.1:{port}/services/T0/B0/slack-secret-456", timeout_s=1.0)))
    good = SlackConfig(sink.url("/services/T1/B1/slack-secret-789"), timeout_s=1.0)
    config = AlertConfig(destinations=config.destinations + (good,))
    d = running(build_destinations(config, environ={}), retries=1, backoff_s=0.01)
    d.submit(firing())
    assert wait_for(lambda: (d.sent, d.failed) == (1, 2))
    assert "retry 1/1" in caplog.text and "gave up after 2 attempts" in caplog.text
    for secret in ("tok-123", "slack-secret-456", "slack-secret-789"):
        assert secret not in caplog.text


def test_a_destination_that_raises_anything_is_contained(running):
    class Broken:
        name, min_level, timeout_s = "broken", "info", 1.0

        def send(self, alert):
            raise RuntimeError("boom")
    calls = threading.Event()

    class Good:
        name, min_level, timeout_s = "good", "info", 1.0

        def send(self, alert):
            calls.set()
    d = running([Broken(), Good()], retries=0)
    d.submit(firing())
    assert calls.wait(5)
    assert wait_for(lambda: (d.sent, d.failed) == (1, 1))
