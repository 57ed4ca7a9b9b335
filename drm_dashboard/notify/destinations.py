"""Where alert notifications go over HTTP: a generic JSON webhook and a Slack incoming webhook."""

from __future__ import annotations

import http.client
import json
import math
import urllib.error
import urllib.request
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..errors import DashboardError
from ..models import Alert

_SLACK_EMOJI = {"info": ":information_source:", "warning": ":warning:", "error": ":red_circle:",
                "critical": ":rotating_light:"}


class DeliveryError(DashboardError):
    """A destination did not accept a notification; the message is safe to log (no secrets)."""


class Destination(Protocol):
    """One place notifications go; `name` is safe to log, send() raises on failure."""

    name: str
    min_level: str
    timeout_s: float

    def send(self, alert: Alert) -> None:
        """Deliver one alert within timeout_s, or raise."""
        ...


def alert_state(alert: Alert) -> str:
    """The alert's episode state: firing, resolved, or event (a one-shot alert)."""
    return str(alert.details.get("state", "firing"))


def safe_url(url: str) -> str:
    """scheme://host[:port] only: paths, queries and user info may carry tokens."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def _finite(value: Any) -> Any:
    # NaN and infinity are not JSON: receivers would reject the whole body
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    # numpy scalars and arrays reach alert details from analytics; anything else as text
    return value.tolist() if hasattr(value, "tolist") else str(value)


def alert_payload(alert: Alert) -> dict[str, Any]:
    """The generic webhook's JSON body: the alert's fields plus its state."""
    return _finite({**alert.to_dict(), "state": alert_state(alert)})


def slack_text(alert: Alert) -> str:
    """One Slack message line: emoji, level, state and message, escaped for Slack's mrkdwn."""
    state = alert_state(alert)
    emoji = ":white_check_mark:" if state == "resolved" else _SLACK_EMOJI[alert.level]
    # Slack treats &, < and > as control characters in message text
    message = alert.message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"{emoji} *{alert.level.upper()}* [{state}] {message}"


class _JsonPoster:
    """POST a JSON body to a URL that must not appear in any log line."""

    # urllib rather than requests: urllib3 logs every request line (path and query, where
    # webhook tokens live) at DEBUG, and a dashboard run with --debug must not leak them
    kind = "http"

    def __init__(self, url: str, *, min_level: str = "warning", timeout_s: float = 5.0) -> None:
        self._url = url
        self.min_level = min_level
        self.timeout_s = timeout_s
        self.name = f"{self.kind} {safe_url(url)}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, min_level={self.min_level!r})"

    def _post(self, body: dict[str, Any]) -> None:
        data = json.dumps(body, default=_json_default).encode("utf-8")
        request = urllib.request.Request(self._url, data=data, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:
                reply.read()
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"{self.name}: HTTP {exc.code}") from None
        except (OSError, http.client.HTTPException) as exc:
            # keep only the kind of failure: some messages quote the URL
            raise DeliveryError(f"{self.name}: {_failure(exc)}") from None


def _failure(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)  # URLError wraps the socket error
    return type(reason if isinstance(reason, BaseException) else exc).__name__


class WebhookDestination(_JsonPoster):
    """A generic JSON webhook: the body is alert.to_dict() plus "state"."""

    kind = "webhook"

    def send(self, alert: Alert) -> None:
        """POST the alert as JSON; raise DeliveryError unless the answer is 2xx."""
        self._post(alert_payload(alert))


class SlackDestination(_JsonPoster):
    """A Slack-compatible incoming webhook: the body is {"text": "..."}."""

    kind = "slack"

    def send(self, alert: Alert) -> None:
        """POST the alert as one Slack message; raise DeliveryError unless the answer is 2xx."""
        self._post({"text": slack_text(alert)})
