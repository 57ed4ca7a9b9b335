"""One frozen Settings, resolved once: CLI flag > DRM_DASHBOARD_* environment > default."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from .environment import API_KEY_ENV, FromEnvironment, alias
from .errors import ConfigError
from .validation import http_base_url

ENV_PREFIX = "DRM_DASHBOARD_"
THEMES = ("dark", "light")
FAIL_ON = ("critical", "error", "warning", "never")


@dataclass(frozen=True)
class Settings(FromEnvironment):
    """Every knob of a dashboard run; validated on construction."""

    env_prefix = ENV_PREFIX

    host: str = "localhost"
    port: int = 8085
    db_path: str = "benchmark_db.duckdb"
    theme: str = "dark"
    update_interval: float = 5.0
    retention: float = 60.0
    debug: bool = False
    access_log: bool = False  # one log line per web request; --debug turns it on too
    browser: bool = False
    drm_url: str | None = None
    # repr=False: a Settings printed in a log or traceback must not carry the key. DRM_API_KEY
    # only with a coordinator to send it to: a shell that exported it for drm-worker runs the demo
    api_key: str | None = field(default=None, repr=False, metadata=alias(
        API_KEY_ENV, when=lambda v: bool(v.get("drm_url") or v.get("drm_urls")) and not v.get("api_key_file")))
    seed: int = 0
    # CI mode: run for a while, optionally without serving pages, then report and set the exit status
    duration: float | None = None
    serve: bool = True
    report: str | None = None
    fail_on: str = "never"
    # a run passes only if at least this share of its expected ticks (duration / interval) succeeded
    min_coverage: float = 0.9
    alert_config: str | None = None
    # demo only: "allocation_time@10" doubles placement latency from minute 10 of the run,
    # "allocation_time*1.5@2" multiplies it by 1.5 from minute 2 (see parse_regression)
    inject_regression: str | None = None
    # days of history kept in the DuckDB file (per-worker rows rolled up to coarser steps with age)
    history_retention: float = 30.0
    # demo only: the simulated workload runs this many times faster than the wall clock
    demo_speed: float = 1.0
    # -- exposure (docs/SECURITY.md): who may see the pages, how secrets and certificates arrive --
    auth_file: str | None = None
    trusted_proxy: str | None = None  # comma-separated addresses or networks of the auth proxy
    proxy_user_header: str = "X-Forwarded-User"
    allowed_host: str | None = None  # comma-separated Host names served besides loopback and --host
    insecure_no_auth: bool = False
    api_key_file: str | None = None
    ca_bundle: str | None = None
    # PrometheusSource: the fleet read through PromQL; the token file and password are secrets
    prometheus_url: str | None = None
    prometheus_bearer_token_file: str | None = field(default=None, repr=False)
    prometheus_user: str | None = None
    prometheus_password: str | None = field(default=None, repr=False)
    prometheus_max_workers: int = 100
    # several coordinators (issue 15): every --drm-url when given more than once (drm_url is the
    # first), or a clusters file naming each with its key (clusters.py)
    drm_urls: tuple[str, ...] = ()
    clusters_file: str | None = None

    def __post_init__(self) -> None:
        for name, (lo, hi) in NUMERIC_RANGES.items():
            check_range(name, getattr(self, name), lo, hi)
        check_exposure_settings(self)
        check_port(self.port)
        if not self.update_interval > 0:
            raise ConfigError(f"--update-interval must be above 0 seconds, got {self.update_interval:g}")
        if self.retention * 60.0 < self.update_interval:
            raise ConfigError(
                f"--retention {self.retention:g} min is shorter than one update interval "
                f"({self.update_interval:g} s)"
            )
        _check_history_retention(self.history_retention, self.retention)
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
        if not (math.isfinite(self.min_coverage) and 0.0 < self.min_coverage <= 1.0):
            raise ConfigError(f"--min-coverage must be a fraction above 0 and at most 1, "
                              f"got {self.min_coverage:g}")
        if self.fail_on not in FAIL_ON:
            raise ConfigError(f"--fail-on must be one of {', '.join(FAIL_ON)}, got {self.fail_on!r}")
        if self.inject_regression is not None:
            parse_regression(self.inject_regression)
        if not (math.isfinite(self.demo_speed) and 1 <= self.demo_speed <= 1000):
            raise ConfigError(f"--demo-speed must be a number from 1 to 1000, got {self.demo_speed:g}")
        if not self.serve and self.duration is None:
            raise ConfigError("--no-server needs --duration (nothing would ever end the run)")
        check_prometheus(self)
        check_clusters(self)

    @property
    def retention_s(self) -> float:
        return self.retention * 60.0

    def coordinator_key(self) -> str | None:
        """The coordinator's key: --api-key, or the first line of --api-key-file (kept out of ps)."""
        return read_key(self.api_key, self.api_key_file)

    def cluster_specs(self) -> tuple[Any, ...]:
        """The coordinators to watch (ClusterSpec), one per --drm-url or clusters-file entry."""
        from .clusters import ClusterSpec, from_urls, load_clusters, name_of_url  # noqa: PLC0415
        if self.clusters_file:
            return load_clusters(self.clusters_file)
        if len(self.drm_urls) > 1:
            return from_urls(self.drm_urls, self.coordinator_key(), self.ca_bundle)
        if self.drm_url:
            return (ClusterSpec(name_of_url(self.drm_url), self.drm_url, self.coordinator_key(),
                                self.ca_bundle),)
        return ()

    def with_overrides(self, **changes: Any) -> "Settings":
        return replace(self, **changes)

    @classmethod
    def derive(cls, values: dict[str, Any]) -> dict[str, Any]:
        """Several --drm-url name clusters; a sped-up demo polls every second unless told."""
        _split_coordinator_urls(values)
        if values.get("demo_speed", 1.0) != 1.0 and "update_interval" not in values:
            values["update_interval"] = DEMO_SPEED_INTERVAL_S
        return values


def _split_coordinator_urls(values: dict[str, Any]) -> None:
    """--drm-url (a list: it may repeat) or DRM_DASHBOARD_DRM_URLS (comma-separated) as drm_url(s)."""
    urls = values.get("drm_url")
    if isinstance(urls, list):
        values["drm_url"] = urls[0]
        values.pop("drm_urls", None)  # the command line wins over the environment's list
        if len(urls) > 1:
            values["drm_urls"] = tuple(urls)
    elif isinstance(values.get("drm_urls"), str):
        if "drm_url" in values:  # one URL given by name wins over the environment's list
            values.pop("drm_urls")
            return
        listed = tuple(u.strip() for u in values["drm_urls"].split(",") if u.strip())
        values["drm_urls"] = listed
        if listed:
            values["drm_url"] = listed[0]


def _check_history_retention(days: float, live_minutes: float) -> None:
    if not (math.isfinite(days) and days > 0):
        raise ConfigError(f"--history-retention must be a positive number of days, got {days:g}")
    if days * 1440.0 < live_minutes:
        raise ConfigError(f"--history-retention {days:g} days is shorter than the live window "
                          f"(--retention {live_minutes:g} min)")


REGRESSION_METRICS = ("allocation_time", "queue_wait", "throughput")
# the metrics that regress by shrinking: their FACTOR is below 1
_SHRINKING = ("throughput",)
_REGRESSION_FORM = ("--inject-regression must be METRIC[*FACTOR]@MINUTE with METRIC one of "
                    + ", ".join(REGRESSION_METRICS) + " (e.g. allocation_time*1.5@2)")
# a poll faster than 0.1 s or a window longer than a week is a typo, not a plan
NUMERIC_RANGES = {"update_interval": (0.1, 3600.0), "retention": (0.01, 7 * 24 * 60.0),
                  "duration": (0.1, 31 * 24 * 3600.0)}


def check_exposure_settings(s: "Settings") -> None:
    """The exposure flags hang together: one way to pass the key, files that exist, real addresses."""
    from .auth import parse_networks  # noqa: PLC0415 (config stays importable without werkzeug)
    check_key_flags(s.api_key, s.api_key_file)
    if s.api_key_file and not s.drm_url:
        raise ConfigError("--api-key-file needs --drm-url (the key is for a remote coordinator)")
    for flag, path in (("--auth-file", s.auth_file), ("--ca-bundle", s.ca_bundle)):
        if path is not None and not Path(path).is_file():
            raise ConfigError(f"{flag}: {path} is not a readable file")
    parse_networks(s.trusted_proxy)
    if s.trusted_proxy and not s.proxy_user_header.strip():
        raise ConfigError("--proxy-user-header must name a header")


def check_url(url: str, flag: str = "--drm-url") -> None:
    """An http(s) URL with a host and, if any, a numeric port; ConfigError naming the flag."""
    http_base_url(url, flag)


def check_range(name: str, value: float | None, lo: float, hi: float) -> None:
    """A finite number in [lo, hi] (None: not given); ConfigError naming the flag of field `name`."""
    if value is not None and not (math.isfinite(value) and lo <= value <= hi):
        raise ConfigError(f"--{name.replace('_', '-')} must be a finite number between "
                          f"{lo:g} and {hi:g}, got {value:g}")


def check_port(port: int, flag: str = "--port") -> None:
    """0 (any free port, shown in the URL line) to 65535, for every command that serves."""
    if not 0 <= port <= 65535:
        raise ConfigError(f"{flag} must be between 0 and 65535 (0: any free port), got {port}")


def check_key_flags(api_key: str | None, api_key_file: str | None) -> None:
    """The coordinator key is passed once; a key file must exist."""
    if api_key and api_key_file:
        raise ConfigError("pass the coordinator key once: --api-key or --api-key-file, not both")
    if api_key_file is not None and not Path(api_key_file).is_file():
        raise ConfigError(f"--api-key-file: {api_key_file} is not a readable file")


def read_key(api_key: str | None, api_key_file: str | None) -> str | None:
    """The key itself: --api-key (or DRM_API_KEY), or the first line of --api-key-file."""
    if api_key_file:
        from .auth import read_secret  # noqa: PLC0415 (config stays importable without werkzeug)
        return read_secret(api_key_file, "--api-key-file")
    return api_key


def check_prometheus(s: Settings) -> None:
    """The --prometheus-* flags make sense together; ConfigError naming the flag otherwise."""
    if s.prometheus_url is None:
        if s.prometheus_bearer_token_file or s.prometheus_user:
            raise ConfigError("--prometheus-bearer-token-file and --prometheus-user need --prometheus-url")
        return
    if s.drm_url is not None:
        raise ConfigError("give --drm-url or --prometheus-url, not both (one source per dashboard)")
    check_url(s.prometheus_url, "--prometheus-url")
    if s.prometheus_bearer_token_file and s.prometheus_user:
        raise ConfigError("--prometheus-bearer-token-file and --prometheus-user exclude each other")
    if s.prometheus_user and not s.prometheus_password:
        raise ConfigError(f"--prometheus-user needs the password in {ENV_PREFIX}PROMETHEUS_PASSWORD")
    if not 1 <= s.prometheus_max_workers <= 10_000:
        raise ConfigError(f"--prometheus-max-workers must be 1..10000, got {s.prometheus_max_workers}")


def check_clusters(s: Settings) -> None:
    """Repeated --drm-url and --clusters hang together; the clusters file is read and checked."""
    from .clusters import from_urls, load_clusters  # noqa: PLC0415
    if s.drm_urls:
        for url in s.drm_urls:
            check_url(url)
        if s.drm_url not in (None, s.drm_urls[0]):
            raise ConfigError("drm_url must be the first of drm_urls")
        from_urls(s.drm_urls, None, None)  # two URLs with one host:port need names
    if s.clusters_file is None:
        return
    if s.drm_url is not None or s.drm_urls:
        raise ConfigError("give --drm-url or --clusters, not both (the clusters file names every coordinator)")
    if s.prometheus_url is not None:
        raise ConfigError("give --clusters or --prometheus-url, not both (one kind of source per dashboard)")
    load_clusters(s.clusters_file)


def parse_regression(spec: str) -> tuple[str, float, float]:
    """'METRIC[*FACTOR]@MINUTE' -> (metric, start s, how many times worse); ConfigError otherwise.

    FACTOR multiplies the metric (allocation_time*1.5, throughput*0.5); without it the metric
    gets twice as bad. MINUTE defaults to 10.
    """
    head, _, minute = spec.partition("@")
    metric, star, factor_text = head.partition("*")
    try:
        start_min = float(minute) if minute else 10.0
        factor = float(factor_text) if star else None
    except ValueError:
        raise ConfigError(f"{_REGRESSION_FORM}, got {spec!r}") from None
    if metric not in REGRESSION_METRICS or not 0 <= start_min <= 7 * 24 * 60:
        raise ConfigError(f"{_REGRESSION_FORM}, got {spec!r}")
    if factor is None:
        return metric, start_min * 60.0, 2.0
    shrinks = metric in _SHRINKING
    if not math.isfinite(factor) or not (0 < factor < 1 if shrinks else factor > 1):
        need = "0 < FACTOR < 1" if shrinks else "FACTOR > 1"
        raise ConfigError(f"--inject-regression {spec!r} would not make {metric} worse (need {need})")
    return metric, start_min * 60.0, 1.0 / factor if shrinks else factor


# a sped-up demo is polled every second unless told otherwise: the detectors then get as many
# samples per simulated minute as they need to find an injected regression within a minute
DEMO_SPEED_INTERVAL_S = 1.0


def resolve(flags: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from explicit flags (None means unset), then environment, then defaults."""
    return Settings.resolve(flags, environ)
