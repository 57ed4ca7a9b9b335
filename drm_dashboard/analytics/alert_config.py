"""Alert rules from a TOML, YAML or JSON file (--alert-config), merged over the built-in defaults.

The file is one table (docs/ALERTS.md has every field, examples in all three syntaxes, defaults):

- ``defaults`` (bool, true): keep the built-in threshold rules; ``disable``: names of ones to drop.
- ``threshold``: a list of rules ``{name, metric, above|below, for, recover, severity, message}``;
  ``metric`` is a live store column, ``for`` a duration ("90s", "5m" or seconds), ``recover``
  must lie on the safe side of the threshold; a rule named like a default replaces it.
- ``thrash`` ``{enabled, flips, window, severity}``, ``system`` ``{enabled, down_after,
  stale_after, down_severity, stale_severity}`` (in collector intervals), ``decisions``
  ``{enabled, severity}``, ``regression`` ``{enabled, min_confidence, severity,
  improvement_severity, recurrent_lookback, recurrent_margin, load_metrics}``.
- ``silence``: a list of ``{match, until, reason}``; match is a rule name or an alert source,
  until an ISO-8601 time with a zone or epoch seconds.
- ``notify``: lists ``webhook``/``slack`` ``{url, min_level, timeout}`` and ``email`` ``{host,
  port, from, to, starttls, username, password_env, min_level, timeout}``; the password is read
  from the environment variable named by password_env, never written in the file;
  ``alertmanager`` ``{url, min_level, timeout, cluster, refresh}`` posts to Alertmanager's API v2.

Any problem raises ConfigError with one line naming the file, the rule and the field.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

import yaml

from ..errors import ConfigError
from ..models import ALERT_SOURCES
from . import alert_fields as f
from .alert_fields import Fields
from .alert_rules import (
    BUILTIN_RULES, DEFAULT_THRESHOLDS, AlertConfig, AlertmanagerConfig, DecisionRule,
    DestinationConfig, EmailConfig,
    RegressionRule, Silence, SlackConfig, SystemRule, ThrashRule, ThresholdRule, WebhookConfig,
    default_alert_config,
)

__all__ = ["AlertConfig", "default_alert_config", "load_alert_config", "parse_alert_config"]

_TOP = ("defaults", "disable", "threshold", "thrash", "system", "decisions", "regression",
        "silence", "notify")
_THRESHOLD = ("name", "metric", "above", "below", "for", "recover", "severity", "message")
_THRASH = ("enabled", "flips", "window", "severity")
_SYSTEM = ("enabled", "down_after", "stale_after", "down_severity", "stale_severity")
_DECISIONS = ("enabled", "severity")
_REGRESSION = ("enabled", "min_confidence", "severity", "improvement_severity", "recurrent_lookback",
               "recurrent_margin", "load_metrics")
_SILENCE = ("match", "until", "reason")
_NOTIFY = ("webhook", "slack", "email", "alertmanager")
_ALERTMANAGER = ("url", "min_level", "timeout", "cluster", "refresh")
_HOOK = ("url", "min_level", "timeout")
# "password" is listed so that it gets its own, explicit refusal instead of "unknown key"
_EMAIL = ("host", "port", "from", "to", "starttls", "username", "password_env", "password",
          "min_level", "timeout")


def load_alert_config(path: str | Path) -> AlertConfig:
    """Read and validate a rules file chosen by extension: .toml, .yaml/.yml or .json."""
    name = str(path)
    return parse_alert_config(_read(Path(path), name), name)


def _read(path: Path, name: str) -> Any:
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".yaml", ".yml", ".json"):
        raise ConfigError(f"{name}: unknown rules file format {suffix or '(no extension)'!r} "
                          "(use .toml, .yaml, .yml or .json)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read the rules file: {exc.strerror or exc}") from None
    try:
        if suffix == ".toml":
            return tomllib.loads(raw.decode("utf-8"))
        if suffix == ".json":
            return json.loads(raw)
        return yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: not valid YAML: {_yaml_problem(exc)}") from None
    except RecursionError:
        # thousands of nested brackets exhaust the parser's stack: one line, not a traceback
        raise ConfigError(f"{name}: nested too deeply to be a rules file") from None
    except ValueError as exc:
        # parsers write multi-line messages; the contract is one line
        syntax = {".toml": "TOML", ".json": "JSON"}.get(suffix, "YAML")
        raise ConfigError(f"{name}: not valid {syntax}: {' '.join(str(exc).split())}") from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """What and where, without PyYAML's quote of the line: that line may hold a webhook token."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{getattr(exc, 'problem', None) or 'syntax error'}{where}"


def parse_alert_config(data: Mapping[str, Any], file: str = "<alert config>") -> AlertConfig:
    """Validate an already-parsed rules table and merge it over the built-in defaults."""
    top = Fields(file, "", data, _TOP)
    thresholds = _thresholds(top)
    config = replace(
        default_alert_config(), thresholds=thresholds,
        thrash=_thrash(top.table("thrash", _THRASH)),
        system=_system(top.table("system", _SYSTEM)),
        decisions=_decisions(top.table("decisions", _DECISIONS)),
        regression=_regression(top.table("regression", _REGRESSION)),
        destinations=_destinations(top.table("notify", _NOTIFY)),
    )
    return replace(config, silences=_silences(top, config.rule_names))


def _thresholds(top: Fields) -> tuple[ThresholdRule, ...]:
    own = [_threshold(top.file, i, raw) for i, raw in enumerate(top.tables("threshold"))]
    _check_names(top.file, own)
    keep = top.get("defaults", f.boolean, True)
    known = tuple(r.name for r in DEFAULT_THRESHOLDS)
    disabled = top.get("disable", f.names, ())
    for name in disabled:
        if name not in known:
            raise top.error("disable", f'"{name}" is not a built-in rule (built-in: {", ".join(known)})')
    if not keep:
        return tuple(own)
    # a file rule named like a default replaces it in place, so the defaults' order is kept
    by_name = {r.name: r for r in own}
    merged = [by_name.pop(r.name, r) for r in DEFAULT_THRESHOLDS if r.name not in disabled]
    return tuple(merged) + tuple(by_name.values())


def _check_names(file: str, rules: list[ThresholdRule]) -> None:
    seen: dict[str, int] = {}
    for i, rule in enumerate(rules):
        where = f'threshold[{i}] "{rule.name}".name'
        if rule.name in BUILTIN_RULES or rule.name in ALERT_SOURCES:
            raise ConfigError(f'{file}: {where}: "{rule.name}" is reserved for a built-in rule '
                              "or source")
        if rule.name in seen:
            first = seen[rule.name]
            raise ConfigError(f"{file}: {where}: duplicate rule name (also threshold[{first}])")
        seen[rule.name] = i


def _threshold(file: str, i: int, raw: Any) -> ThresholdRule:
    name = raw.get("name") if isinstance(raw, Mapping) else None
    where = f'threshold[{i}] "{name}"' if isinstance(name, str) and name else f"threshold[{i}]"
    t = Fields(file, where, raw, _THRESHOLD)
    above, below = t.get("above", f.number, None), t.get("below", f.number, None)
    if (above is None) == (below is None):
        raise t.error("above", "give exactly one of above or below")
    op, threshold = ("above", above) if above is not None else ("below", below)
    rule = ThresholdRule(
        name=t.get("name", f.text), metric=t.get("metric", f.metric), op=op, threshold=threshold,
        for_s=t.get("for", f.duration, 0.0), recover=t.get("recover", f.number, None),
        severity=t.get("severity", f.severity, "warning"), message=t.get("message", f.text, ""),
    )
    if rule.recover is not None and _wrong_side(rule):
        safe = "at or below" if op == "above" else "at or above"
        raise t.error("recover", f"{rule.recover:g} is on the wrong side: a rule firing {op} "
                      f"{threshold:g} must recover {safe} it")
    return rule


def _wrong_side(rule: ThresholdRule) -> bool:
    return rule.recover_at > rule.threshold if rule.op == "above" else rule.recover_at < rule.threshold


def _thrash(t: Fields) -> ThrashRule:
    d = ThrashRule()
    return ThrashRule(min_flips=t.get("flips", f.whole, d.min_flips),
                      window_s=t.get("window", f.duration, d.window_s),
                      severity=t.get("severity", f.severity, d.severity),
                      enabled=t.get("enabled", f.boolean, d.enabled))


def _system(t: Fields) -> SystemRule:
    d = SystemRule()
    return SystemRule(down_intervals=t.get("down_after", f.positive, d.down_intervals),
                      down_severity=t.get("down_severity", f.severity, d.down_severity),
                      stale_intervals=t.get("stale_after", f.positive, d.stale_intervals),
                      stale_severity=t.get("stale_severity", f.severity, d.stale_severity),
                      enabled=t.get("enabled", f.boolean, d.enabled))


def _decisions(t: Fields) -> DecisionRule:
    d = DecisionRule()
    return DecisionRule(severity=t.get("severity", f.severity, d.severity),
                        enabled=t.get("enabled", f.boolean, d.enabled))


def _regression(t: Fields) -> RegressionRule:
    d = RegressionRule()
    return RegressionRule(
        min_confidence=t.get("min_confidence", f.confidence, d.min_confidence),
        recurrent_lookback_s=t.get("recurrent_lookback", f.duration, d.recurrent_lookback_s),
        recurrent_margin=t.get("recurrent_margin", f.non_negative, d.recurrent_margin),
        load_metrics=t.get("load_metrics", f.boolean, d.load_metrics),
        severity=t.get("severity", f.severity, d.severity),
        improvement_severity=t.get("improvement_severity", f.severity, d.improvement_severity),
        enabled=t.get("enabled", f.boolean, d.enabled))


def _silences(top: Fields, names: tuple[str, ...]) -> tuple[Silence, ...]:
    out = []
    for i, raw in enumerate(top.tables("silence")):
        s = Fields(top.file, f"silence[{i}]", raw, _SILENCE)
        match = s.get("match", f.text)
        if match not in names:
            raise s.error("match", f'"{match[:40]}" is neither a rule name nor an alert source '
                          f"(known: {', '.join(names)})")
        until, reason = s.get("until", f.epoch), s.get("reason", f.text, "")
        out.append(Silence(match=match, until=until, reason=reason))
    return tuple(out)


def _destinations(n: Fields) -> tuple[DestinationConfig, ...]:
    out: list[DestinationConfig] = []
    for kind, cls in (("webhook", WebhookConfig), ("slack", SlackConfig)):
        for i, raw in enumerate(n.tables(kind)):
            h = Fields(n.file, f"notify.{kind}[{i}]", raw, _HOOK)
            out.append(cls(url=h.get("url", f.url), min_level=h.get("min_level", f.severity, "warning"),
                           timeout_s=h.get("timeout", f.positive_duration, 5.0)))
    out.extend(_email(n.file, i, raw) for i, raw in enumerate(n.tables("email")))
    out.extend(_alertmanager(n.file, i, raw) for i, raw in enumerate(n.tables("alertmanager")))
    return tuple(out)


def _alertmanager(file: str, i: int, raw: Any) -> AlertmanagerConfig:
    a = Fields(file, f"notify.alertmanager[{i}]", raw, _ALERTMANAGER)
    return AlertmanagerConfig(url=a.get("url", f.url), min_level=a.get("min_level", f.severity, "info"),
                              timeout_s=a.get("timeout", f.positive_duration, 5.0),
                              cluster=a.get("cluster", f.text, "default"),
                              refresh_s=a.get("refresh", f.positive_duration, 30.0))


def _email(file: str, i: int, raw: Any) -> EmailConfig:
    e = Fields(file, f"notify.email[{i}]", raw, _EMAIL)
    if "password" in e.data:
        raise e.error("password", "never write the password in the file; put it in an "
                      "environment variable and name that variable in password_env")
    username, env = e.get("username", f.text, None), e.get("password_env", f.env_name, None)
    if username is not None and env is None:
        raise e.error("password_env", "missing: username is set, so name the environment "
                      "variable that holds the password")
    if env is not None and username is None:
        raise e.error("username", "missing: password_env is set but there is no username to log in with")
    return EmailConfig(host=e.get("host", f.text), sender=e.get("from", f.text),
                       recipients=e.get("to", f.strings), port=e.get("port", f.port, 25),
                       starttls=e.get("starttls", f.boolean, False), username=username,
                       password_env=env, min_level=e.get("min_level", f.severity, "error"),
                       timeout_s=e.get("timeout", f.positive_duration, 10.0))
