"""A run's verdict: was it monitored (coverage, health at the end), and did an alert fire at --fail-on."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from typing import Any, Iterable, Sequence

from ..analytics.alert_rules import DOWN_RULE, STALE_RULE
from ..analytics.alert_state import human_duration
from ..models import ALERT_LEVELS, Alert, SourceHealth
from ..uptime import Outage, UptimeRecord

# exit statuses of a run (the README's CI section lists them)
EXIT_PASSED = 0
EXIT_ALERTS = 1  # an alert at or above --fail-on fired
EXIT_BAD_INPUT = 2  # a bad flag or config: the run never started
EXIT_NOT_MONITORED = 3  # too few polls succeeded, or the source failed at the end: no verdict on alerts


@dataclass(frozen=True)
class Coverage:
    """How much of the run was watched: successful ticks against duration / interval."""

    interval_s: float
    duration_s: float
    expected_ticks: int
    ticks_ok: int
    ticks_failed: int
    ticks_stale: int
    coverage: float
    min_coverage: float

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def coverage(uptime: UptimeRecord, duration_s: float, interval_s: float, min_coverage: float) -> Coverage:
    """Share of the expected ticks (whole intervals in the run, at least 1) that delivered new data.

    The first tick is at 0 s, so a run with every tick on time has one more than it expects and
    --min-coverage 1 can be met; the share is capped at 1.
    """
    expected = max(1, int(max(duration_s, 0.0) // interval_s))
    share = min(1.0, uptime.ok / expected)
    return Coverage(interval_s, duration_s, expected, uptime.ok, uptime.failed, uptime.stale, share,
                    min_coverage)


def _clock(epoch: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(epoch))


def _outage_words(outages: Sequence[Outage], total: int, ended: float) -> str:
    if not outages:
        return ""
    longest = max(outages, key=lambda o: o.duration(ended))
    down = sum(o.duration(ended) for o in outages)
    return (f"; the source was down {human_duration(down)} in {total} outage(s), the longest "
            f"{human_duration(longest.duration(ended))} from {_clock(longest.start)}: {longest.reason}")


def not_monitored(source: str, health: SourceHealth, uptime: UptimeRecord, cov: Coverage,
                  ended: float) -> str | None:
    """Why the run does not count as monitored, in one line; None when it does."""
    if uptime.ok == 0:
        last = health.reason or "no answer"
        return (f"not monitored: none of {uptime.attempts} poll(s) of {source} succeeded in "
                f"{human_duration(cov.duration_s)}: {last}")
    if health.state == "error":
        down = uptime.down_now
        since = down.start if down is not None else health.since
        return (f"not monitored: {source} was failing at the end of the run, for its last "
                f"{human_duration(ended - since)} (from {_clock(since)}): {health.reason}")
    if health.state == "stale":
        return f"not monitored: {source} sent no new data at the end of the run: {health.reason}"
    if cov.coverage < cov.min_coverage:
        return (f"not monitored: {cov.ticks_ok} of {cov.expected_ticks} expected polls succeeded "
                f"({cov.coverage:.0%}, below --min-coverage {cov.min_coverage:g})"
                f"{_outage_words(uptime.outages, uptime.outages_total, ended)}")
    return None


def _fired(alerts: Iterable[Alert], floor: int) -> tuple[dict[str, Alert], dict[str, Alert]]:
    """Alerts that fired at or above the floor (first unsilenced record by id), and resolutions by id."""
    fired: dict[str, Alert] = {}
    resolved: dict[str, Alert] = {}
    for a in sorted(alerts, key=lambda a: a.timestamp):
        if a.details.get("state") == "resolved":
            resolved[a.id] = a
        elif ALERT_LEVELS.index(a.level) >= floor and not a.details.get("silenced"):
            fired.setdefault(a.id, a)
    for aid, r in resolved.items():
        # a store that keeps only the latest record per id has lost the firing one: rebuild its words
        if aid not in fired and ALERT_LEVELS.index(r.level) >= floor and not r.details.get("silenced"):
            words = f"{r.details.get('rule', aid)} fired (resolved at {_clock(r.timestamp)})"
            fired[aid] = replace(r, timestamp=float(r.details.get("fired_at", r.timestamp)), message=words)
    return fired, resolved


def _describe(alert: Alert, resolved: Alert | None, ended: float) -> str:
    """The firing alert's words; a source outage with its real length, not its length when it fired."""
    rule = alert.details.get("rule")
    if rule not in (DOWN_RULE, STALE_RULE):
        return f"[{alert.level}] {alert.message}"
    since = float(alert.details.get("since", alert.timestamp))
    end = float(resolved.details.get("resolved_at", resolved.timestamp)) if resolved else ended
    until = f"to {_clock(end)}" if resolved else "to the end of the run"
    word = "down" if rule == DOWN_RULE else "stale"
    return (f"[{alert.level}] metrics source {word} for {human_duration(end - since)} "
            f"(from {_clock(since)} {until}): {alert.details.get('reason', alert.message)}")


def alert_verdict(alerts: Iterable[Alert], fail_on: str, ended: float) -> tuple[int, str]:
    """1 when an alert at or above fail_on fired (silenced ones do not count), naming the worst."""
    if fail_on == "never":
        return EXIT_PASSED, "--fail-on never"
    floor = ALERT_LEVELS.index(fail_on)
    fired, resolved = _fired(alerts, floor)
    if not fired:
        return EXIT_PASSED, f"no alert at {fail_on} or above"
    # the worst level; among equals one still firing at the end, then the earliest
    worst = min(fired.values(), key=lambda a: (-ALERT_LEVELS.index(a.level), a.id in resolved, a.timestamp))
    return EXIT_ALERTS, (f"{len(fired)} alert(s) at {fail_on} or above fired, e.g. "
                         f"{_describe(worst, resolved.get(worst.id), ended)}")


def verdict(alerts: Sequence[Alert], fail_on: str, source: str, health: SourceHealth,
            uptime: UptimeRecord, cov: Coverage, ended: float) -> dict[str, Any]:
    """Exit status and its one line: not monitored (3) before alerts (1) before passed (0)."""
    alert_status, alert_because = alert_verdict(alerts, fail_on, ended)
    why_not = not_monitored(source, health, uptime, cov, ended)
    status, because = (EXIT_NOT_MONITORED, why_not) if why_not else (alert_status, alert_because)
    return {"fail_on": fail_on, "min_coverage": cov.min_coverage, "status": status, "because": because,
            "monitored": why_not is None, "alerts": {"status": alert_status, "because": alert_because}}
