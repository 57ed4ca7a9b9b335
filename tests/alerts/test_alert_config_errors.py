"""A bad rules file raises one ConfigError line naming the file, the rule and the field."""

from __future__ import annotations

import pytest

from drm_dashboard.analytics.alert_config import load_alert_config
from drm_dashboard.errors import ConfigError

RULE = '[[threshold]]\nname = "cpu-hot"\nmetric = "cpu_utilization"\nabove = 90\n'
OTHER = '[[threshold]]\nname = "mem"\nmetric = "memory_utilization"\nabove = 90\n'

BAD = {
    "unknown metric": (
        OTHER + OTHER.replace('"mem"', '"disk"') + RULE.replace('"cpu_utilization"', '"cpu_use"'),
        'threshold[2] "cpu-hot".metric: unknown metric "cpu_use" (known: total_workers, '),
    "bad severity": (
        RULE + 'severity = "urgent"\n',
        "threshold[0] \"cpu-hot\".severity: 'urgent' is not a severity (one of info, warning, "
        "error, critical)"),
    "recover on the wrong side": (
        RULE + "recover = 95\n",
        'threshold[0] "cpu-hot".recover: 95 is on the wrong side: a rule firing above 90 must '
        "recover at or below it"),
    "recover on the wrong side of a below rule": (
        '[[threshold]]\nname = "eff"\nmetric = "resource_efficiency"\nbelow = 30\nrecover = 20\n',
        'threshold[0] "eff".recover: 20 is on the wrong side: a rule firing below 30 must recover '
        "at or above it"),
    "bad duration": (
        RULE + 'for = "5 minutes"\n',
        "threshold[0] \"cpu-hot\".for: '5 minutes' is not a duration (use seconds, or e.g. 90s, 5m, 1h)"),
    "negative duration": (
        RULE + "for = -5\n", 'threshold[0] "cpu-hot".for: a duration cannot be negative, got -5'),
    "unknown key in a rule": (
        RULE + "recovr = 80\n",
        'threshold[0] "cpu-hot".recovr: unknown key (known: name, metric, above, below, for, '
        "recover, severity, message)"),
    "unknown top-level key": (
        'thresholds = []\n', "thresholds: unknown key (known: defaults, disable, threshold, "),
    "neither above nor below": (
        '[[threshold]]\nname = "x"\nmetric = "pending_tasks"\n',
        'threshold[0] "x".above: give exactly one of above or below'),
    "rule without a name": (
        '[[threshold]]\nmetric = "pending_tasks"\nabove = 3\n', "threshold[0].name: missing"),
    "duplicate rule name": (RULE + RULE, 'threshold[1] "cpu-hot".name: duplicate rule name (also threshold[0])'),
    "reserved rule name": (
        RULE.replace('"cpu-hot"', '"system"'),
        'threshold[0] "system".name: "system" is reserved for a built-in rule or source'),
    "threshold not a number": (
        RULE.replace("above = 90", 'above = "90%"'),
        "threshold[0] \"cpu-hot\".above: expected a number, got str '90%'"),
    "silence with no end": (
        '[[silence]]\nmatch = "cpu-hot"\nreason = "deploy"\n', "silence[0].until: missing"),
    "silence without a zone": (
        '[[silence]]\nmatch = "cpu-hot"\nuntil = "2030-01-01T00:00:00"\n',
        "silence[0].until: 2030-01-01T00:00:00 has no time zone (add Z or +HH:MM)"),
    "silence of an unknown rule": (
        '[[silence]]\nmatch = "cpu-hott"\nuntil = 1900000000\n',
        'silence[0].match: "cpu-hott" is neither a rule name nor an alert source (known: cpu-hot, '),
    "missing password env var name": (
        '[[notify.email]]\nhost = "smtp"\nfrom = "a@b"\nto = ["c@d"]\nusername = "drm"\n',
        "notify.email[0].password_env: missing: username is set, so name the environment variable "
        "that holds the password"),
    "password in the file": (
        '[[notify.email]]\nhost = "smtp"\nfrom = "a@b"\nto = ["c@d"]\nusername = "u"\npassword = "hunter2"\n',
        "notify.email[0].password: never write the password in the file; put it in an environment "
        "variable and name that variable in password_env"),
    "bad port": (
        '[[notify.email]]\nhost = "smtp"\nfrom = "a@b"\nto = ["c@d"]\nport = 70000\n',
        "notify.email[0].port: must be between 1 and 65535, got 70000"),
    "webhook url without a scheme": (
        '[[notify.webhook]]\nurl = "hooks.example.com/x"\n',
        "notify.webhook[0].url: must start with http:// or https://"),
    "bad min_level": (
        '[[notify.slack]]\nurl = "https://hooks.slack.com/x"\nmin_level = "loud"\n',
        "notify.slack[0].min_level: 'loud' is not a severity (one of info, warning, error, critical)"),
    "bad thrash flips": ("[thrash]\nflips = 0\n", "thrash.flips: expected a whole number of at least 1, got 0"),
    "unknown key in a section": ("[system]\ndown_afer = 3\n", "system.down_afer: unknown key (known: "),
    "disable an unknown default": (
        'disable = ["cpu-hott"]\n', 'disable: "cpu-hott" is not a built-in rule (built-in: cpu-hot, '),
    "confidence out of range": (
        "[regression]\nmin_confidence = 70\n", "regression.min_confidence: must be between 0 and 1, got 70"),
    "negative margin": (
        "[regression]\nrecurrent_margin = -0.2\n", "regression.recurrent_margin: must be 0 or more, got -0.2"),
    "load metrics not a boolean": (
        '[regression]\nload_metrics = "yes"\n', "regression.load_metrics: "),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_bad_file_names_the_rule_and_the_field(tmp_path, case):
    body, expected = BAD[case]
    path = tmp_path / "alerts.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as err:
        load_alert_config(path)
    message = str(err.value)
    assert message.startswith(f"{path}: {expected}")
    assert "\n" not in message


def test_the_password_itself_never_appears_in_the_error(tmp_path):
    path = tmp_path / "alerts.toml"
    path.write_text(BAD["password in the file"][0])
    with pytest.raises(ConfigError) as err:
        load_alert_config(path)
    assert "hunter2" not in str(err.value)


@pytest.mark.parametrize("name, body, expected", [
    ("alerts.toml", "[[threshold]\n", "not valid TOML: "),
    ("alerts.yaml", "threshold: [\n", "not valid YAML: "),
    ("alerts.json", "{", "not valid JSON: "),
    ("alerts.yaml", "- just\n- a list\n", "top level: expected a table of keys, got list"),
    ("alerts.ini", "", "unknown rules file format '.ini' (use .toml, .yaml, .yml or .json)"),
])
def test_syntax_errors_are_one_line(tmp_path, name, body, expected):
    path = tmp_path / name
    path.write_text(body)
    with pytest.raises(ConfigError) as err:
        load_alert_config(path)
    assert str(err.value).startswith(f"{path}: {expected}")
    assert "\n" not in str(err.value)


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.yml: cannot read the rules file: No such file"):
        load_alert_config(tmp_path / "nope.yml")


def test_yaml_and_json_name_the_field_the_same_way(tmp_path):
    (tmp_path / "a.yml").write_text("threshold:\n  - {name: q, metric: queue_wait, above: 1}\n")
    (tmp_path / "a.json").write_text('{"threshold": [{"name": "q", "metric": "queue_wait", "above": 1}]}')
    for name in ("a.yml", "a.json"):
        with pytest.raises(ConfigError, match=r'threshold\[0\] "q"\.metric: unknown metric "queue_wait"'):
            load_alert_config(tmp_path / name)


def test_a_yaml_syntax_error_names_the_line_but_never_echoes_it(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("notify:\n  slack:\n    - url: https://hooks.slack.invalid/services/T0/B0/SECRETTOKEN123"
                    " min_level: error\n")
    with pytest.raises(ConfigError) as exc:
        load_alert_config(path)
    assert "line 3" in str(exc.value) and "SECRETTOKEN123" not in str(exc.value)
