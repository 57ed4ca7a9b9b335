"""Email notifications against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
import email.policy
import logging

import pytest
from drm_fakes import free_port, wait_for
from notify_helpers import firing, resolved

from drm_dashboard.analytics.alert_rules import AlertConfig, EmailConfig
from drm_dashboard.errors import ConfigError
from drm_dashboard.notify import DeliveryError, EmailDestination, NotificationDispatcher, build_destinations

pytestmark = pytest.mark.timeout(20)


def _destination(controller, **kwargs) -> EmailDestination:
    return EmailDestination(controller.hostname, controller.port, "drm@example.com",
                            ["ops@example.com", "sre@example.com"], timeout_s=5.0, **kwargs)


def test_an_alert_arrives_as_one_plain_text_message(smtp_server):
    controller, mailbox = smtp_server
    _destination(controller).send(firing("error"))
    (envelope,) = mailbox.envelopes
    assert envelope.mail_from == "drm@example.com"
    assert envelope.rcpt_tos == ["ops@example.com", "sre@example.com"]
    msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert msg["Subject"] == ("[drm-dashboard] ERROR firing: CPU saturated (cpu_utilization 95% "
                              "above 90% for 60 s) <&>")
    assert msg["To"] == "ops@example.com, sre@example.com"
    body = msg.get_content()
    assert "state: firing" in body and "id: threshold:cpu-hot:1700000000" in body
    assert "time: 2023-11-14T22:13:20+00:00" in body and "threshold: 90.0" in body


def test_login_uses_the_password_from_the_named_environment_variable(smtp_server):
    controller, mailbox = smtp_server
    config = AlertConfig(destinations=(EmailConfig(
        controller.hostname, "drm@example.com", ("ops@example.com",), controller.port,
        username="drm", password_env="DRM_TEST_SMTP_PASSWORD", min_level="info"),))
    (dest,) = build_destinations(config, environ={"DRM_TEST_SMTP_PASSWORD": "s3cret-pw"})
    dest.send(resolved())
    assert mailbox.logins == ["drm"] and len(mailbox.envelopes) == 1
    assert "s3cret-pw" not in repr(dest)


def test_a_wrong_password_fails_without_showing_it(smtp_server, caplog):
    controller, mailbox = smtp_server
    dest = _destination(controller, username="drm", password="not-the-pw")
    with pytest.raises(DeliveryError) as err:
        dest.send(firing())
    assert "SMTPAuthenticationError" in str(err.value) and "not-the-pw" not in str(err.value)
    caplog.set_level(logging.DEBUG)
    dispatcher = NotificationDispatcher([dest], retries=1, backoff_s=0.01)
    dispatcher.start()
    dispatcher.submit(firing("error"))  # email's default min_level is error
    assert wait_for(lambda: dispatcher.failed == 1)
    dispatcher.stop()
    assert dispatcher.join(5)
    assert "not-the-pw" not in caplog.text and mailbox.envelopes == []


def test_an_unset_password_variable_is_a_config_error():
    config = AlertConfig(destinations=(EmailConfig("smtp", "a@b", ("c@d",), username="drm",
                                                   password_env="DRM_TEST_UNSET"),))
    with pytest.raises(ConfigError, match=r"notify.email\[0\].password_env: environment variable "
                                          r"DRM_TEST_UNSET is not set"):
        build_destinations(config, environ={})


def test_no_server_is_a_delivery_error():
    dest = EmailDestination("127.0.0.1", free_port(), "a@b", ["c@d"], timeout_s=2.0)
    with pytest.raises(DeliveryError, match=r"^email 127\.0\.0\.1:\d+: ConnectionRefusedError"):
        dest.send(firing())
