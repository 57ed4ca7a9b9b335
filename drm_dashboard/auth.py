"""Who may see our pages: hashed-password users and bearer tokens from an auth file, or a trusted proxy.

The auth file holds one entry a line, `NAME:HASH`; blank lines and `#` comments are ignored.
- a user for HTTP basic auth: the hash is werkzeug's (`scrypt:...` or `pbkdf2:...`), written by
  `drm-dashboard passwd FILE USER`;
- a bearer token: the hash is `token-sha256$<hex>` of the token, written by
  `drm-dashboard token FILE NAME`, which prints the token once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from werkzeug.security import check_password_hash, generate_password_hash

from .errors import ConfigError
from .validation import id_problem

TOKEN_PREFIX = "token-sha256$"
PASSWORD_METHODS = ("scrypt", "pbkdf2")
# checked against when the user is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = generate_password_hash("not a password", method="pbkdf2:sha256:1000")
# a verified password is remembered this long (by a digest, never in clear): scrypt costs ~50 ms
# and a browser sends the credentials with every callback
_CACHE_MAX = 256

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def token_hash(token: str) -> str:
    """The auth file's form of a bearer token (tokens are random, so one SHA-256 suffices)."""
    return TOKEN_PREFIX + hashlib.sha256(token.encode()).hexdigest()


def read_secret(path: str, flag: str) -> str:
    """The first line of a secret file (a key or password), or ConfigError naming the flag."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ConfigError(f"{flag}: cannot read {path} ({reason})") from None
    secret = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not secret:
        raise ConfigError(f"{flag}: {path} is empty")
    return secret


@dataclass(frozen=True)
class AuthFile:
    """Users (name -> password hash) and tokens (hash -> name) read from one file."""

    users: Mapping[str, str] = field(default_factory=dict)
    tokens: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> "AuthFile":
        """Parse the file; ConfigError with the line number on anything malformed."""
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise ConfigError(f"--auth-file: cannot read {path} ({reason})") from None
        users: dict[str, str] = {}
        tokens: dict[str, str] = {}
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, sep, hashed = line.partition(":")
            if not sep or id_problem(name) is not None or not _known_hash(hashed):
                raise ConfigError(f"--auth-file {path}, line {number}: expected NAME:HASH "
                                  "(see `drm-dashboard passwd` and `drm-dashboard token`)")
            if hashed.startswith(TOKEN_PREFIX):
                tokens[hashed] = name
            else:
                users[name] = hashed
        if not users and not tokens:
            raise ConfigError(f"--auth-file {path} holds no user and no token")
        return cls(users, tokens)


def _known_hash(hashed: str) -> bool:
    if hashed.startswith(TOKEN_PREFIX):
        return len(hashed) == len(TOKEN_PREFIX) + 64
    return hashed.split(":", 1)[0] in PASSWORD_METHODS and hashed.count("$") == 2


def parse_networks(spec: str | None, flag: str = "--trusted-proxy") -> tuple[Network, ...]:
    """'10.0.0.5,10.1.0.0/16' -> networks; ConfigError naming the flag on a bad address."""
    out = []
    for part in (spec or "").split(","):
        if part.strip():
            try:
                out.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise ConfigError(f"{flag}: {part.strip()!r} is not an IP address or network") from None
    return tuple(out)


class Authenticator:
    """Checks a request's credentials: basic auth, a bearer token, or a trusted proxy's header."""

    def __init__(self, auth_file: AuthFile | None = None, *, proxies: tuple[Network, ...] = (),
                 proxy_header: str = "X-Forwarded-User") -> None:
        self._file = auth_file or AuthFile()
        self._proxies = proxies
        self._environ_key = "HTTP_" + proxy_header.upper().replace("-", "_")
        self._verified: dict[bytes, str] = {}
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return bool(self._file.users or self._file.tokens or self._proxies)

    @property
    def accepts_basic(self) -> bool:
        return bool(self._file.users)

    def user(self, environ: Mapping[str, object]) -> str | None:
        """The authenticated user of this WSGI request, or None."""
        proxied = self._from_proxy(environ)
        if proxied is not None:
            return proxied
        scheme, _, value = str(environ.get("HTTP_AUTHORIZATION", "")).partition(" ")
        if scheme.lower() == "bearer":
            return self._token_user(value.strip())
        if scheme.lower() == "basic":
            return self._basic_user(value.strip())
        return None

    def _from_proxy(self, environ: Mapping[str, object]) -> str | None:
        name = environ.get(self._environ_key)
        if not self._proxies or not isinstance(name, str) or id_problem(name) is not None:
            return None
        try:
            peer = ipaddress.ip_address(str(environ.get("REMOTE_ADDR", "")))
        except ValueError:
            return None
        return name if any(peer in net for net in self._proxies) else None

    def _token_user(self, token: str) -> str | None:
        if not token:
            return None
        presented = token_hash(token)
        found = None
        for hashed, name in self._file.tokens.items():
            # constant time in the content; every token is compared so timing names none of them
            if hmac.compare_digest(presented, hashed):
                found = name
        return found

    def _basic_user(self, value: str) -> str | None:
        try:
            user, sep, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if not sep:
            return None
        digest = hashlib.sha256(f"{user}\0{password}".encode()).digest()
        with self._lock:
            if self._verified.get(digest) == user:
                return user
        hashed = self._file.users.get(user)
        if not check_password_hash(hashed or _DUMMY_HASH, password) or hashed is None:
            return None
        with self._lock:
            if len(self._verified) >= _CACHE_MAX:
                self._verified.clear()
            self._verified[digest] = user
        return user


# -- writing the file: `drm-dashboard passwd FILE USER` and `drm-dashboard token FILE NAME` ------
def set_entry(path: str | Path, name: str, hashed: str) -> None:
    """Add or replace NAME's line; the file is created readable by its owner only."""
    problem = id_problem(name)
    if problem is not None or ":" in name:
        raise ConfigError(f"name {name[:40]!r}: {problem or 'must not hold a colon'}")
    path = Path(path)
    kept = []
    if path.exists():
        kept = [line for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip().partition(":")[0] != name]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join([*kept, f"{name}:{hashed}"]) + "\n")


def add_user(path: str | Path, user: str, password: str) -> None:
    """Store USER with a scrypt hash of the password."""
    if len(password) < 8:
        raise ConfigError("the password must have at least 8 characters")
    set_entry(path, user, generate_password_hash(password, method="scrypt"))


def add_token(path: str | Path, name: str) -> str:
    """Store a new random token under NAME; return the token (shown once, never stored)."""
    token = secrets.token_urlsafe(32)
    set_entry(path, name, token_hash(token))
    return token
