"""Which coordinators a dashboard watches: repeated --drm-url, or a clusters file naming them with keys.

A clusters file (TOML, or JSON when it ends in .json) lists one table per coordinator:

    [[cluster]]
    name = "east"                      # optional: host:port of the URL by default
    url = "https://east.example:8080"
    key_env = "EAST_DRM_KEY"           # or key = "...", or neither for an open coordinator
    ca_bundle = "east-ca.pem"          # optional, as --ca-bundle

A name is what every record, alert label and page says; it is 1-64 letters, digits, '.', '_',
':' or '-' (never '/', which joins a cluster and a worker id on the "All clusters" view).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit

from .errors import ConfigError

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_KEYS = frozenset({"name", "url", "key", "key_env", "ca_bundle"})
_DEFAULT_PORT = {"http": 80, "https": 443}
# a dashboard that reads several coordinators sums their pools: keep it to what one page shows
MAX_CLUSTERS = 32


@dataclass(frozen=True)
class ClusterSpec:
    """One coordinator: its name on the page, its URL, and its key (kept out of repr)."""

    name: str
    url: str
    key: str | None = field(default=None, repr=False)
    ca_bundle: str | None = None


def name_of_url(url: str) -> str:
    """The default cluster name: the URL's host:port (the scheme's port when none is given)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or _DEFAULT_PORT.get(parts.scheme, 0)
    return f"{host}:{port}"


def local_name(prometheus_url: str | None = None) -> str:
    """The name of a dashboard's one source that is no coordinator: Prometheus' host:port, or local."""
    return name_of_url(prometheus_url) if prometheus_url else "local"


def from_urls(urls: Sequence[str], key: str | None, ca_bundle: str | None) -> tuple[ClusterSpec, ...]:
    """Repeated --drm-url: one cluster per URL, named by host:port, all sharing --api-key."""
    specs = tuple(ClusterSpec(name_of_url(u), u, key, ca_bundle) for u in urls)
    _check_unique(specs, "--drm-url", "name them in a --clusters file")
    return specs


def load_clusters(path: str, environ: Mapping[str, str] | None = None) -> tuple[ClusterSpec, ...]:
    """The clusters file's coordinators; ConfigError (one line naming file and field) otherwise."""
    environ = os.environ if environ is None else environ
    where = f"--clusters {path}"
    tables = _tables(_read(path, where), where)
    specs = tuple(_spec(t, f"{where}: cluster[{i}]", environ, Path(path).parent)
                  for i, t in enumerate(tables))
    _check_unique(specs, where, "give each cluster its own name and url")
    return specs


def _read(path: str, where: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not UTF-8 text") from None
    try:
        return json.loads(text) if path.lower().endswith(".json") else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        kind = "JSON" if path.lower().endswith(".json") else "TOML"
        raise ConfigError(f"{where}: not valid {kind} ({str(exc).splitlines()[0]})") from None


def _tables(data: Any, where: str) -> list[Mapping[str, Any]]:
    if not isinstance(data, dict) or set(data) != {"cluster"}:
        raise ConfigError(f"{where}: expected only a list of [[cluster]] tables "
                          f"(JSON: {{\"cluster\": [...]}})")
    tables = data["cluster"]
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{where}: cluster must be a non-empty list of tables")
    if len(tables) > MAX_CLUSTERS:
        raise ConfigError(f"{where}: {len(tables)} clusters, at most {MAX_CLUSTERS} are supported")
    return tables


def _spec(table: Mapping[str, Any], where: str, environ: Mapping[str, str], base: Path) -> ClusterSpec:
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown field {unknown[0]!r} (fields: {', '.join(sorted(_KEYS))})")
    url = _text(table, "url", where)
    if url is None:
        raise ConfigError(f"{where}: url is missing")
    check_cluster_url(url, f"{where}.url")
    name = _text(table, "name", where) or name_of_url(url)
    if not NAME_RE.fullmatch(name):
        raise ConfigError(f"{where}.name: {name!r:.70} is not 1-64 letters, digits, '.', '_', ':' or '-'")
    if "key" in table and "key_env" in table:
        raise ConfigError(f"{where}: give key or key_env, not both")
    key = _text(table, "key", where)
    env = _text(table, "key_env", where)
    if env is not None:
        key = environ.get(env)
        if not key:
            raise ConfigError(f"{where}.key_env: environment variable {env} is not set")
    ca = _text(table, "ca_bundle", where)
    if ca is not None:
        ca = str(base / ca) if not Path(ca).is_absolute() else ca
        if not Path(ca).is_file():
            raise ConfigError(f"{where}.ca_bundle: {ca} is not a readable file")
    return ClusterSpec(name, url, key, ca)


def _text(table: Mapping[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}.{key}: expected non-empty text")
    return value.strip()


def check_cluster_url(url: str, where: str) -> None:
    """An http(s) URL with a host and, if any, a numeric port."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError as exc:
        raise ConfigError(f"{where} is not a valid URL ({exc}): {url!r:.100}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where} must be http(s)://host[:port], got {url!r:.100}")


def _check_unique(specs: Sequence[ClusterSpec], where: str, hint: str) -> None:
    for attr in ("name", "url"):
        seen: set[str] = set()
        for spec in specs:
            value = getattr(spec, attr)
            if value in seen:
                raise ConfigError(f"{where}: two clusters with the {attr} {value!r:.100}; {hint}")
            seen.add(value)
