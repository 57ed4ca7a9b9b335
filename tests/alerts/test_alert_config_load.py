"""Rules files: the same config in TOML, YAML and JSON, merging over the defaults."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from drm_dashboard.analytics.alert_config import load_alert_config, parse_alert_config
from drm_dashboard.analytics.alert_rules import (
    DEFAULT_THRESHOLDS, EmailConfig, Silence, SlackConfig, ThresholdRule, WebhookConfig,
    default_alert_config,
)

TOML = """
defaults = true
disable = ["gpu-hot"]

[[threshold]]
name = "cpu-hot"
metric = "cpu_utilization"
above = 95
for = "2m"
recover = 85
severity = "error"

[[threshold]]
name = "slow-allocation"
metric = "allocation_time_ms"
above = 250
for = 90
message = "allocations are slow"

[thrash]
flips = 4
window = "1h"

[system]
down_after = 2
stale_severity = "info"

[regression]
min_confidence = 0.8
recurrent_lookback = "30m"
recurrent_margin = 0.5
load_metrics = true

[[silence]]
match = "slow-allocation"
until = "2030-01-01T00:00:00Z"
reason = "known slow allocator"

[[notify.webhook]]
url = "http://127.0.0.1:9000/hook"
min_level = "info"

[[notify.slack]]
url = "https://hooks.slack.com/services/T0/B0/secret"
timeout = "3s"

[[notify.email]]
host = "smtp.example.com"
port = 587
from = "drm@example.com"
to = ["ops@example.com", "sre@example.com"]
starttls = true
username = "drm"
password_env = "DRM_SMTP_PASSWORD"
"""

YAML = """
defaults: true
disable: [gpu-hot]
threshold:
  - name: cpu-hot
    metric: cpu_utilization
    above: 95
    for: 2m
    recover: 85
    severity: error
  - {name: slow-allocation, metric: allocation_time_ms, above: 250, for: 90,
     message: allocations are slow}
thrash: {flips: 4, window: 1h}
system: {down_after: 2, stale_severity: info}
regression: {min_confidence: 0.8, recurrent_lookback: 30m, recurrent_margin: 0.5, load_metrics: true}
silence:
  - match: slow-allocation
    until: 2030-01-01T00:00:00Z
    reason: known slow allocator
notify:
  webhook:
    - {url: "http://127.0.0.1:9000/hook", min_level: info}
  slack:
    - {url: "https://hooks.slack.com/services/T0/B0/secret", timeout: 3s}
  email:
    - host: smtp.example.com
      port: 587
      from: drm@example.com
      to: [ops@example.com, sre@example.com]
      starttls: true
      username: drm
      password_env: DRM_SMTP_PASSWORD
"""

JSON = {
    "defaults": True, "disable": ["gpu-hot"],
    "threshold": [
        {"name": "cpu-hot", "metric": "cpu_utilization", "above": 95, "for": "2m", "recover": 85,
         "severity": "error"},
        {"name": "slow-allocation", "metric": "allocation_time_ms", "above": 250, "for": 90,
         "message": "allocations are slow"},
    ],
    "thrash": {"flips": 4, "window": "1h"},
    "system": {"down_after": 2, "stale_severity": "info"},
    "regression": {"min_confidence": 0.8, "recurrent_lookback": 1800, "recurrent_margin": 0.5,
                   "load_metrics": True},
    "silence": [{"match": "slow-allocation", "until": "2030-01-01T00:00:00+00:00",
                 "reason": "known slow allocator"}],
    "notify": {
        "webhook": [{"url": "http://127.0.0.1:9000/hook", "min_level": "info"}],
        "slack": [{"url": "https://hooks.slack.com/services/T0/B0/secret", "timeout": "3s"}],
        "email": [{"host": "smtp.example.com", "port": 587, "from": "drm@example.com",
                   "to": ["ops@example.com", "sre@example.com"], "starttls": True,
                   "username": "drm", "password_env": "DRM_SMTP_PASSWORD"}],
    },
}


@pytest.fixture
def files(tmp_path):
    (tmp_path / "alerts.toml").write_text(TOML)
    (tmp_path / "alerts.yaml").write_text(YAML)
    (tmp_path / "alerts.json").write_text(json.dumps(JSON))
    return tmp_path


def test_the_same_config_in_toml_yaml_and_json_is_equal(files):
    configs = [load_alert_config(files / n) for n in ("alerts.toml", "alerts.yaml", "alerts.json")]
    assert configs[0] == configs[1] == configs[2]


def test_the_loaded_config_holds_what_the_file_says(files):
    config = load_alert_config(str(files / "alerts.toml"))
    names = [r.name for r in config.thresholds]
    assert names == ["cpu-hot", "memory-hot", "pending-backlog", "queue-wait", "low-efficiency",
                     "slow-allocation"]
    assert config.thresholds[0] == ThresholdRule("cpu-hot", "cpu_utilization", "above", 95.0, 120.0,
                                                 85.0, "error")
    assert config.thresholds[-1].for_s == 90.0 and config.thresholds[-1].recover is None
    assert (config.thrash.min_flips, config.thrash.window_s) == (4, 3600.0)
    assert (config.system.down_intervals, config.system.stale_severity) == (2.0, "info")
    assert config.system.down_severity == "error"  # untouched fields keep their defaults
    assert config.regression.min_confidence == 0.8
    assert config.regression.recurrent_lookback_s == 1800.0
    assert config.regression.recurrent_margin == 0.5 and config.regression.load_metrics is True
    until = datetime(2030, 1, 1, tzinfo=timezone.utc).timestamp()
    assert config.silences == (Silence("slow-allocation", until, "known slow allocator"),)
    webhook, slack, email = config.destinations
    assert webhook == WebhookConfig("http://127.0.0.1:9000/hook", "info", 5.0)
    assert slack == SlackConfig("https://hooks.slack.com/services/T0/B0/secret", "warning", 3.0)
    assert email == EmailConfig("smtp.example.com", "drm@example.com",
                                ("ops@example.com", "sre@example.com"), 587, True, "drm",
                                "DRM_SMTP_PASSWORD")


def test_secrets_stay_out_of_the_repr(files):
    text = repr(load_alert_config(files / "alerts.toml"))
    assert "secret" not in text and "hooks.slack.com" not in text


def test_an_empty_file_is_the_defaults(tmp_path):
    for name, body in (("a.toml", ""), ("a.yaml", ""), ("a.json", "{}")):
        (tmp_path / name).write_text(body)
        assert load_alert_config(tmp_path / name) == default_alert_config()


def test_defaults_false_keeps_only_the_files_rules():
    config = parse_alert_config({"defaults": False, "threshold": [
        {"name": "hot", "metric": "overall_utilization", "above": 75}]})
    assert [r.name for r in config.thresholds] == ["hot"]


def test_durations_and_epoch_silences():
    config = parse_alert_config({"threshold": [
        {"name": "a", "metric": "active_tasks", "above": 1, "for": "1h30m"},
        {"name": "b", "metric": "active_tasks", "above": 1, "for": "250ms"},
        {"name": "c", "metric": "active_tasks", "above": 1, "for": 2.5}],
        "silence": [{"match": "threshold", "until": 1_900_000_000}]})
    assert [r.for_s for r in config.thresholds[-3:]] == [5400.0, 0.25, 2.5]
    assert config.silences[0].until == 1_900_000_000.0


def test_every_default_is_a_known_metric_with_a_safe_recover():
    for rule in DEFAULT_THRESHOLDS:
        assert parse_alert_config({"defaults": False, "threshold": [{
            "name": rule.name, "metric": rule.metric, rule.op: rule.threshold, "for": rule.for_s,
            "recover": rule.recover, "severity": rule.severity, "message": rule.message,
        }]}).thresholds == (rule,)


def test_the_three_examples_in_the_docs_are_the_same_config(tmp_path):
    import re
    from pathlib import Path
    doc = (Path(__file__).resolve().parents[2] / "docs" / "ALERTS.md").read_text()
    blocks = dict(re.findall(r"```(toml|yaml|json)\n(.*?)```", doc, re.S))
    configs = []
    for syntax, body in blocks.items():
        (tmp_path / f"alerts.{syntax}").write_text(body)
        configs.append(load_alert_config(tmp_path / f"alerts.{syntax}"))
    assert len(configs) == 3 and configs[0] == configs[1] == configs[2]
    assert configs[0].thresholds[0].threshold == 95.0 and len(configs[0].destinations) == 2
