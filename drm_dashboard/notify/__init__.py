"""Notifications of firing and resolved alerts: webhook, Slack and email, sent off the collector."""

from __future__ import annotations

import os
from typing import Mapping

from ..analytics.alert_rules import (
    AlertConfig, AlertmanagerConfig, EmailConfig, SlackConfig, WebhookConfig,
)
from ..errors import ConfigError
from .destinations import (
    DeliveryError, Destination, SlackDestination, WebhookDestination, alert_payload, alert_state,
    slack_text,
)
from .alertmanager import AlertmanagerDestination
from .dispatcher import NotificationDispatcher
from .mail import EmailDestination, email_message

__all__ = [
    "AlertmanagerDestination", "DeliveryError", "Destination", "EmailDestination", "NotificationDispatcher", "SlackDestination",
    "WebhookDestination", "alert_payload", "alert_state", "build_destinations", "email_message",
    "slack_text",
]


def build_destinations(config: AlertConfig,
                       environ: Mapping[str, str] | None = None) -> list[Destination]:
    """Destinations for the config's notify targets; email passwords come from environ, at start-up."""
    environ = os.environ if environ is None else environ
    out: list[Destination] = []
    emails = 0
    for target in config.destinations:
        if isinstance(target, WebhookConfig):
            out.append(WebhookDestination(target.url, min_level=target.min_level,
                                          timeout_s=target.timeout_s))
        elif isinstance(target, SlackConfig):
            out.append(SlackDestination(target.url, min_level=target.min_level,
                                        timeout_s=target.timeout_s))
        elif isinstance(target, EmailConfig):
            out.append(_email(target, emails, environ))
            emails += 1
        elif isinstance(target, AlertmanagerConfig):
            out.append(AlertmanagerDestination(target.url, min_level=target.min_level,
                                               timeout_s=target.timeout_s, cluster=target.cluster,
                                               refresh_s=target.refresh_s))
    return out


def _email(target: EmailConfig, index: int, environ: Mapping[str, str]) -> EmailDestination:
    password = None
    if target.password_env is not None:
        password = environ.get(target.password_env)
        if not password:
            raise ConfigError(f"alert config: notify.email[{index}].password_env: environment "
                              f"variable {target.password_env} is not set")
    return EmailDestination(target.host, target.port, target.sender, target.recipients,
                            starttls=target.starttls, username=target.username, password=password,
                            min_level=target.min_level, timeout_s=target.timeout_s)
