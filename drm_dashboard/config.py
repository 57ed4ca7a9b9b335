"""One frozen Settings, resolved once: CLI flag > DRM_DASHBOARD_* environment > default."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from .errors import ConfigError

ENV_PREFIX = "DRM_DASHBOARD_"
THEMES = ("dark", "light")
FAIL_ON = ("critical", "error", "warning", "never")


@dataclass(frozen=True)
class Settings:
    """Every knob of a dashboard run; validated on construction."""

    host: str = "localhost"
    port: int = 8085
    db_path: str = "benchmark_db.duckdb"
    theme: str = "dark"
    update_interval: float = 5.0
    retention: float = 60.0
    debug: bool = False
    browser: bool = False
    drm_url: str | None = None
    # repr=False: a Settings printed in a log or traceback must not carry the key
    api_key: str | None = field(default=None, repr=False)
    seed: int = 0
    # CI mode: run for a while, optionally without serving pages, then report and set the exit status
    duration: float | None = None
    serve: bool = True
    report: str | None = None
    fail_on: str = "never"
    alert_config: str | None = None
    # demo only: "allocation_time@10" doubles placement latency from minute 10 of the run
    inject_regression: str | None = None
    # demo only: the simulated workload runs this many times faster than the wall clock
    demo_speed: float = 1.0
    # PrometheusSource: the fleet read through PromQL; the token file and password are secrets
    prometheus_url: str | None = None
    prometheus_bearer_token_file: str | None = field(default=None, repr=False)
    prometheus_user: str | None = None
    prometheus_password: str | None = field(default=None, repr=False)
    prometheus_max_workers: int = 100

    def __post_init__(self) -> None:
        for name in ("update_interval", "retention", "duration"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise ConfigError(f"--{name.replace('_', '-')} must be a finite number, got {value}")
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"--port must be between 1 and 65535, got {self.port}")
        if not self.update_interval > 0:
            raise ConfigError(f"--update-interval must be above 0 seconds, got {self.update_interval:g}")
        if self.retention * 60.0 < self.update_interval:
            raise ConfigError(
                f"--retention {self.retention:g} min is shorter than one update interval "
                f"({self.update_interval:g} s)"
            )
        if self.theme not in THEMES:
            raise ConfigError(f"--theme must be one of {', '.join(THEMES)}, got {self.theme!r}")
        if not self.db_path:
            raise ConfigError("--db-path must not be empty")
        if self.drm_url is not None:
            check_url(self.drm_url)
        if self.report is not None and Path(self.report).suffix.lower() == ".json":
            raise ConfigError("--report names the HTML file; its JSON summary is written beside it "
                              f"(got {self.report!r})")
        if self.duration is not None and not self.duration > 0:
            raise ConfigError(f"--duration must be above 0 seconds, got {self.duration:g}")
        if self.fail_on not in FAIL_ON:
            raise ConfigError(f"--fail-on must be one of {', '.join(FAIL_ON)}, got {self.fail_on!r}")
        if self.inject_regression is not None:
            parse_regression(self.inject_regression)
        if not (math.isfinite(self.demo_speed) and 1 <= self.demo_speed <= 1000):
            raise ConfigError(f"--demo-speed must be a number from 1 to 1000, got {self.demo_speed:g}")
        if not self.serve and self.duration is None:
            raise ConfigError("--no-server needs --duration (nothing would ever end the run)")
        check_prometheus(self)

    @property
    def retention_s(self) -> float:
        return self.retention * 60.0

    def with_overrides(self, **changes: Any) -> "Settings":
        return replace(self, **changes)


REGRESSION_METRICS = ("allocation_time", "throughput")


def check_url(url: str) -> None:
    """An http(s) URL with a host and, if any, a numeric port; ConfigError naming --drm-url."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError as exc:
        raise ConfigError(f"--drm-url is not a valid URL ({exc}): {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--drm-url must be http(s)://host[:port], got {url!r}")


def check_prometheus(s: Settings) -> None:
    """The --prometheus-* flags make sense together; ConfigError naming the flag otherwise."""
    if s.prometheus_url is None:
        if s.prometheus_bearer_token_file or s.prometheus_user:
            raise ConfigError("--prometheus-bearer-token-file and --prometheus-user need --prometheus-url")
        return
    if s.drm_url is not None:
        raise ConfigError("give --drm-url or --prometheus-url, not both (one source per dashboard)")
    parts = urlsplit(s.prometheus_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--prometheus-url must be http(s)://host[:port], got {s.prometheus_url!r}")
    if s.prometheus_bearer_token_file and s.prometheus_user:
        raise ConfigError("--prometheus-bearer-token-file and --prometheus-user exclude each other")
    if s.prometheus_user and not s.prometheus_password:
        raise ConfigError(f"--prometheus-user needs the password in {ENV_PREFIX}PROMETHEUS_PASSWORD")
    if not 1 <= s.prometheus_max_workers <= 10_000:
        raise ConfigError(f"--prometheus-max-workers must be 1..10000, got {s.prometheus_max_workers}")


def parse_regression(spec: str) -> tuple[str, float]:
    """'METRIC@MINUTE' -> (metric, start in seconds); ConfigError naming the flag otherwise."""
    metric, _, minute = spec.partition("@")
    try:
        start_min = float(minute) if minute else 10.0
    except ValueError:
        start_min = -1.0
    if metric not in REGRESSION_METRICS or start_min < 0:
        raise ConfigError(f"--inject-regression must be METRIC@MINUTE with METRIC one of "
                          f"{', '.join(REGRESSION_METRICS)}, got {spec!r}")
    return metric, start_min * 60.0


def _coerce(name: str, raw: str, kind: type) -> Any:
    env = ENV_PREFIX + name.upper()
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{env} must be true or false, got {raw!r}")
    try:
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{env} must be {_KIND_WORDS.get(kind, 'text')}, got {raw!r}") from None


_KIND_WORDS = {int: "a whole number", float: "a number"}
_KINDS = {"port": int, "update_interval": float, "retention": float, "debug": bool,
          "browser": bool, "seed": int, "duration": float, "serve": bool,
          "prometheus_max_workers": int, "demo_speed": float}
# a sped-up demo is polled every second unless told otherwise: the detectors then get as many
# samples per simulated minute as they need to find an injected regression within a minute
DEMO_SPEED_INTERVAL_S = 1.0


def resolve(flags: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from explicit flags (None means unset), then environment, then defaults."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if flags.get(f.name) is not None:
            values[f.name] = flags[f.name]
        elif ENV_PREFIX + f.name.upper() in environ:
            values[f.name] = _coerce(f.name, environ[ENV_PREFIX + f.name.upper()], _KINDS.get(f.name, str))
    # the coordinator's key is also read from DRM_API_KEY, the name CI secrets use; only with a
    # coordinator to send it to, so a shell that exported it for drm-worker can still run the demo
    if values.get("api_key") is None and values.get("drm_url") and environ.get("DRM_API_KEY"):
        values["api_key"] = environ["DRM_API_KEY"]
    if values.get("demo_speed", 1.0) != 1.0 and "update_interval" not in values:
        values["update_interval"] = DEMO_SPEED_INTERVAL_S
    return Settings(**values)
