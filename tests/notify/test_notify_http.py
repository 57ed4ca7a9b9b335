"""Webhook and Slack destinations against a real HTTP server on loopback."""

from __future__ import annotations

import pytest
from drm_fakes import free_port
from notify_helpers import T0, firing, resolved

from drm_dashboard.notify import DeliveryError, SlackDestination, WebhookDestination

pytestmark = pytest.mark.timeout(20)


def test_webhook_posts_the_alert_and_its_state(sink):
    hook = WebhookDestination(sink.url("/hook"), min_level="info", timeout_s=2.0)
    hook.send(firing())
    hook.send(resolved())
    first, second = sink.bodies("/hook")
    assert first == {"id": f"threshold:cpu-hot:{int(T0)}", "timestamp": T0, "level": "warning",
                     "source": "threshold", "state": "firing",
                     "message": "CPU saturated (cpu_utilization 95% above 90% for 60 s) <&>",
                     "details": {"state": "firing", "rule": "cpu-hot", "value": 95.0, "threshold": 90.0}}
    assert second["state"] == "resolved" and second["details"]["resolved_at"] == T0 + 100


def test_slack_posts_one_text_line_with_level_state_and_escaped_message(sink):
    slack = SlackDestination(sink.url("/services/T0/B0/xyz"), timeout_s=2.0)
    slack.send(firing("critical"))
    slack.send(resolved())
    assert sink.bodies("/services/T0/B0/xyz") == [
        {"text": ":rotating_light: *CRITICAL* [firing] CPU saturated (cpu_utilization 95% above "
                 "90% for 60 s) &lt;&amp;&gt;"},
        {"text": ":white_check_mark: *WARNING* [resolved] Resolved: CPU saturated "
                 "(cpu_utilization 70% back below 80%)"},
    ]


def test_a_non_2xx_answer_is_a_delivery_error(sink):
    sink.status = 503
    with pytest.raises(DeliveryError, match=r"^webhook http://127\.0\.0\.1:\d+: HTTP 503$"):
        WebhookDestination(sink.url("/hook"), timeout_s=2.0).send(firing())


def test_a_refused_connection_names_neither_path_nor_token():
    url = f"http://127.0.0.1:{free_port()}/services/T0/B0/topsecret"
    with pytest.raises(DeliveryError) as err:
        SlackDestination(url, timeout_s=2.0).send(firing())
    assert str(err.value).startswith("slack http://127.0.0.1:")
    assert "topsecret" not in str(err.value) and err.value.__cause__ is None
    assert "topsecret" not in repr(SlackDestination(url))


def test_nan_in_details_is_sent_as_null(sink):
    from dataclasses import replace
    alert = replace(firing(), details={"state": "firing", "value": float("nan")})
    WebhookDestination(sink.url("/hook"), timeout_s=2.0).send(alert)
    assert sink.bodies("/hook")[0]["details"] == {"state": "firing", "value": None}
