"""Alert notifications by email over SMTP (optionally STARTTLS and login)."""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from typing import Sequence

from ..models import Alert
from .destinations import DeliveryError, alert_state

_SUBJECT_MAX = 160


def email_message(alert: Alert, sender: str, recipients: Sequence[str]) -> EmailMessage:
    """The notification as a plain-text message: subject with level and state, details below."""
    state = alert_state(alert)
    msg = EmailMessage()
    # a header may not hold line breaks: fold the message onto one line
    subject = " ".join(f"[drm-dashboard] {alert.level.upper()} {state}: {alert.message}".split())
    msg["Subject"] = subject[:_SUBJECT_MAX]
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    when = datetime.fromtimestamp(alert.timestamp, timezone.utc).isoformat(timespec="seconds")
    lines = [alert.message, "", f"level: {alert.level}", f"state: {state}",
             f"source: {alert.source}", f"id: {alert.id}", f"time: {when}", ""]
    lines += [f"{key}: {value}" for key, value in alert.details.items()]
    msg.set_content("\n".join(lines) + "\n")
    return msg


class EmailDestination:
    """Send each alert as one email through an SMTP server."""

    def __init__(self, host: str, port: int, sender: str, recipients: Sequence[str], *,
                 starttls: bool = False, username: str | None = None, password: str | None = None,
                 min_level: str = "error", timeout_s: float = 10.0) -> None:
        self.host, self.port = host, port
        self.sender, self.recipients = sender, tuple(recipients)
        self.starttls = starttls
        self.username = username
        self._password = password
        self.min_level = min_level
        self.timeout_s = timeout_s
        self.name = f"email {host}:{port}"

    def __repr__(self) -> str:
        # never the password: reprs end up in logs and tracebacks
        return (f"EmailDestination({self.name!r}, to={len(self.recipients)}, "
                f"min_level={self.min_level!r})")

    def send(self, alert: Alert) -> None:
        """Deliver one message; raise DeliveryError on any SMTP or network failure."""
        msg = email_message(alert, self.sender, self.recipients)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username is not None:
                    smtp.login(self.username, self._password or "")
                smtp.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{self.name}: {self._safe(exc)}") from None

    def _safe(self, exc: Exception) -> str:
        text = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        # a server may echo what it was sent; the password must still never reach a log
        return text.replace(self._password, "***") if self._password else text
