"""Alert rules, silences and notification targets as frozen records, and the built-in defaults.

Every default is chosen for a DRM fleet whose scaling policy targets 70% utilization, scales up
at 80% and down at 30% (DESIGN.md); the comment beside each says why it is where it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Union

from ..catalog import metric_info, names
from ..models import ALERT_LEVELS, ALERT_SOURCES

# the names a threshold rule may watch: the catalog's fleet-wide metrics (not per-worker ones)
METRICS = names(group="system") + names(group="performance")
# names of the built-in non-threshold rules, as alerts carry them in details["rule"]
DECISION_RULE = "scaling-decision"
THRASH_RULE = "scale-thrash"
DOWN_RULE = "source-down"
STALE_RULE = "source-stale"
REGRESSION_RULE = "regression"
BUILTIN_RULES = (DECISION_RULE, THRASH_RULE, DOWN_RULE, STALE_RULE, REGRESSION_RULE)


def metric_unit(metric: str) -> str:
    """The unit suffix a message shows after a metric's value (the catalog's)."""
    return metric_info(metric).suffix


def level_at_least(level: str, minimum: str) -> bool:
    """True when level is as severe as minimum or more (info < warning < error < critical)."""
    return ALERT_LEVELS.index(level) >= ALERT_LEVELS.index(minimum)


@dataclass(frozen=True)
class ThresholdRule:
    """Fire when metric stays above (or below) threshold for for_s; resolve past recover."""

    name: str
    metric: str
    op: str  # "above" or "below"
    threshold: float
    for_s: float = 0.0
    recover: float | None = None  # None: recover as soon as the value is back at the threshold
    severity: str = "warning"
    message: str = ""

    @property
    def recover_at(self) -> float:
        return self.threshold if self.recover is None else self.recover

    def breached(self, value: float) -> bool:
        """The firing condition; False for NaN, which never fires."""
        return value > self.threshold if self.op == "above" else value < self.threshold

    def recovered(self, value: float) -> bool:
        """Past the recovery threshold on the safe side; False for NaN, which never resolves."""
        return value < self.recover_at if self.op == "above" else value > self.recover_at


@dataclass(frozen=True)
class ThrashRule:
    """The pool flipping between scale_up and scale_down min_flips times within window_s."""

    min_flips: int = 3
    window_s: float = 1800.0
    severity: str = "warning"
    enabled: bool = True


@dataclass(frozen=True)
class SystemRule:
    """The metrics source in error (down) or stale for that many collector intervals."""

    down_intervals: float = 3.0
    down_severity: str = "error"
    stale_intervals: float = 3.0
    stale_severity: str = "warning"
    enabled: bool = True


@dataclass(frozen=True)
class DecisionRule:
    """One alert per scale_up or scale_down decision, carrying the policy's reason."""

    severity: str = "info"
    enabled: bool = True


@dataclass(frozen=True)
class RegressionRule:
    """Which findings alert: confident enough, and a regression only past the hour's worst minute."""

    # the confidence is a calibrated probability (on NAB's labelled findings) that the change is
    # real; it and the margin below were chosen on the demo's seeded runs by cross-validation
    # over seeds (evaluation/rule_choice.py; docs/PERFORMANCE.md, power)
    min_confidence: float = 0.3
    # a regression must be worse than the worst level the metric held for a minute within this
    # many seconds before its step (0: off), by a factor of 1 + `recurrent_margin` (1.2 times that
    # level, or 1/1.2 of it where higher is better): load waves and pool changes that recur are the
    # fleet's normal life, not news. A creep in steps each smaller than the margin raises nothing:
    # the threshold rules are what catch a metric past a fixed line
    recurrent_lookback_s: float = 3600.0
    recurrent_margin: float = 0.2
    # metrics that follow the workload (catalog `follows_load`: queue wait, throughput) move by
    # multiples with every wave of arrivals: their level shifts alert only when this is on
    load_metrics: bool = False
    severity: str = "warning"
    improvement_severity: str = "info"
    enabled: bool = True

    def raises(self, finding: Any) -> bool:
        """Whether a finding (at this revision) is worth an alert under this rule."""
        if finding.direction not in ("regression", "improvement"):
            return False
        if finding.confidence < self.min_confidence:
            return False
        if finding.direction == "improvement":
            return True
        if metric_info(finding.metric).follows_load and not self.load_metrics:
            return False
        return self.beyond_recent(finding)

    def beyond_recent(self, finding: Any) -> bool:
        """Whether a regression is worse, by the margin, than the worst level held before it."""
        worst = finding.worst_before
        if self.recurrent_lookback_s <= 0 or math.isnan(worst):
            return True
        if metric_info(finding.metric).higher_is_better:
            return finding.after * (1 + self.recurrent_margin) < worst
        return finding.after > worst * (1 + self.recurrent_margin)


@dataclass(frozen=True)
class Silence:
    """Mute alerts of a rule name or a source until an epoch time; they are kept, not notified."""

    match: str
    until: float
    reason: str = ""

    def applies(self, rule: str, source: str, now: float) -> bool:
        """True while now is before the end and the alert's rule or source matches."""
        return now < self.until and self.match in (rule, source)


@dataclass(frozen=True)
class WebhookConfig:
    """A generic JSON webhook; the URL may carry a token, so repr leaves it out."""

    url: str = field(repr=False)
    min_level: str = "warning"
    timeout_s: float = 5.0


@dataclass(frozen=True)
class SlackConfig:
    """A Slack-compatible incoming webhook; its URL is a secret, so repr leaves it out."""

    url: str = field(repr=False)
    min_level: str = "warning"
    timeout_s: float = 5.0


@dataclass(frozen=True)
class EmailConfig:
    """SMTP delivery; the password is read at start-up from the environment variable named here."""

    host: str
    sender: str
    recipients: tuple[str, ...]
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None
    min_level: str = "error"
    timeout_s: float = 10.0


@dataclass(frozen=True)
class AlertmanagerConfig:
    """Alertmanager's API v2: alerts carry the cluster label; firing ones are re-sent every refresh."""

    url: str = field(repr=False)
    min_level: str = "info"
    timeout_s: float = 5.0
    cluster: str = "default"
    refresh_s: float = 30.0


DestinationConfig = Union[WebhookConfig, SlackConfig, EmailConfig, AlertmanagerConfig]


@dataclass(frozen=True)
class AlertConfig:
    """Every rule, silence and notification target of one dashboard run."""

    thresholds: tuple[ThresholdRule, ...] = ()
    thrash: ThrashRule = ThrashRule()
    system: SystemRule = SystemRule()
    decisions: DecisionRule = DecisionRule()
    regression: RegressionRule = RegressionRule()
    silences: tuple[Silence, ...] = ()
    destinations: tuple[DestinationConfig, ...] = ()

    @property
    def rule_names(self) -> tuple[str, ...]:
        """Every name a silence may match: threshold rules, built-in rules and alert sources."""
        return tuple(r.name for r in self.thresholds) + BUILTIN_RULES + ALERT_SOURCES


DEFAULT_THRESHOLDS = (
    # the policy scales up at 80%: a minute above 90% means scaling is not keeping up (quota,
    # cooldown, no capacity); recovering below 80% keeps a value hovering near 90 from flapping
    ThresholdRule("cpu-hot", "cpu_utilization", "above", 90.0, 60.0, 80.0, "warning",
                  "CPU saturated: scaling is not keeping up"),
    ThresholdRule("memory-hot", "memory_utilization", "above", 90.0, 60.0, 80.0, "warning",
                  "memory nearly exhausted: tasks risk being refused or OOM-killed"),
    # GPU jobs legitimately pin devices near 100% in bursts: only five sustained minutes count;
    # a pool without GPUs reports NaN here, which never fires
    ThresholdRule("gpu-hot", "gpu_utilization", "above", 95.0, 300.0, 85.0, "warning",
                  "GPUs saturated for a sustained period"),
    # a backlog that two minutes of scaling has not absorbed is one a user notices
    ThresholdRule("pending-backlog", "pending_tasks", "above", 10.0, 120.0, 5.0, "warning",
                  "tasks are waiting for resources"),
    # a minute of queueing for two minutes running is past what a test run tolerates
    ThresholdRule("queue-wait", "queue_wait_ms", "above", 60_000.0, 120.0, 30_000.0, "warning",
                  "tasks wait over a minute in the queue"),
    # used/allocated under 30% for ten minutes: money spent on idle reservations; info because
    # nothing is broken, and ten minutes because task start-up legitimately under-uses briefly
    ThresholdRule("low-efficiency", "resource_efficiency", "below", 30.0, 600.0, 40.0, "info",
                  "reservations far above use"),
)


def default_alert_config() -> AlertConfig:
    """The built-in rules for a DRM fleet, with no silences and no notification targets."""
    # the record defaults hold the rest: thrash 3 flips in 30 min (the policy's cooldowns are
    # 5 and 10 min, so three reversals in half an hour means the thresholds fight each other);
    # source down 3 intervals -> error, stale 3 intervals -> warning (one missed poll is noise);
    # each scale_up/scale_down -> info; a regression at confidence >= 0.3 to a level not seen
    # within the hour -> warning
    return AlertConfig(thresholds=DEFAULT_THRESHOLDS)
