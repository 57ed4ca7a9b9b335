"""The one reader of the process environment: flag > `<PREFIX><FIELD>` variable > default, per command.

Every command line declares a frozen settings dataclass that mixes in `FromEnvironment` and names
its prefix (`DRM_DASHBOARD_`, `DRM_COORDINATOR_`, ...). `Cls.resolve(flags)` builds it: a flag that
is not None wins, then the variable, then the field's default; the dataclass validates itself.
A field's metadata may opt out of the environment (`ENV_OFF`) or name a shared variable read when
the field is still unset (`alias("DRM_API_KEY", when=...)`).
"""

from __future__ import annotations

import difflib
import math
import os
import types
import typing
from dataclasses import fields
from typing import Any, Callable, ClassVar, Mapping

from .errors import ConfigError

# the coordinator's key under the name CI secrets, drm-coordinator and drm-worker share
API_KEY_ENV = "DRM_API_KEY"
ENV_OFF = {"env": False}
_BY_PREFIX: dict[str, list[type]] = {}
_KIND_WORDS = {int: "a whole number", float: "a number"}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def alias(name: str, when: Callable[[Mapping[str, Any]], bool] = lambda values: True,
          **more: Any) -> dict[str, Any]:
    """Field metadata: read variable `name` when the field is unset and when(values so far) holds."""
    return {"alias": name, "alias_when": when, **more}


class FromEnvironment:
    """Mixin of a frozen settings dataclass: `resolve(flags, environ)` applies flag > env > default."""

    env_prefix: ClassVar[str] = ""

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if cls.env_prefix:
            _BY_PREFIX.setdefault(cls.env_prefix, []).append(cls)

    @classmethod
    def resolve(cls, flags: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Any:
        """Build the settings from explicit flags (None means unset), the environment, defaults."""
        return cls(**cls.derive(merged(cls, flags, os.environ if environ is None else environ)))

    @classmethod
    def derive(cls, values: dict[str, Any]) -> dict[str, Any]:
        """Defaults that depend on other values (a subclass's hook); `values` holds what was given."""
        return values


def variable(cls: type, name: str) -> str | None:
    """The environment variable of field `name`, or None when the field is flag-only."""
    f = next(f for f in fields(cls) if f.name == name)
    return None if f.metadata.get("env") is False else cls.env_prefix + name.upper()


def merged(cls: type, flags: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """Field -> value for every field given by a flag or a variable (aliases last)."""
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in fields(cls):
        var = variable(cls, f.name)
        if flags.get(f.name) is not None:
            values[f.name] = flags[f.name]
        elif var is not None and var in environ:
            values[f.name] = coerce(var, environ[var], hints[f.name])
    for f in fields(cls):
        name = f.metadata.get("alias")
        if name and f.name not in values and environ.get(name) and f.metadata["alias_when"](values):
            values[f.name] = environ[name]
    return values


def _scalar(kind: Any) -> type:
    """str, int, float or bool out of an annotation such as `float | None`."""
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    if typing.get_origin(kind) in (typing.Union, types.UnionType) and len(args) == 1:
        kind = args[0]
    return kind if kind in (int, float, bool) else str


def coerce(var: str, raw: str, kind: Any) -> Any:
    """The variable's text as the field's type; ConfigError naming the variable otherwise."""
    kind = _scalar(kind)
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        raise ConfigError(f"{var} must be true or false, got {raw!r}")
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{var} must be {_KIND_WORDS.get(kind, 'text')}, got {raw!r}") from None
    if kind is float and not math.isfinite(value):
        raise ConfigError(f"{var} must be a finite number, got {raw!r}")
    return value


def known_variables(prefix: str) -> list[str]:
    """Every variable some command reads under this prefix."""
    names = {variable(cls, f.name) for cls in _BY_PREFIX.get(prefix, ()) for f in fields(cls)}
    return sorted(n for n in names if n)


def unknown_variables(prefix: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """One warning per `<prefix>*` variable no command reads, naming the closest known one."""
    environ = os.environ if environ is None else environ
    known = known_variables(prefix)
    # compared without the prefix: a shared prefix would make every name look close
    tails = [k[len(prefix):] for k in known]
    out = []
    for name in sorted(n for n in environ if n.startswith(prefix) and n not in known):
        close = difflib.get_close_matches(name[len(prefix):], tails, n=1, cutoff=0.6)
        hint = f"; did you mean {prefix}{close[0]}?" if close else ""
        out.append(f"{name} is not a setting and is ignored{hint}")
    return out
