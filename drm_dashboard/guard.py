"""The WSGI layer in front of every app we serve: Host allow-list, auth, CSRF, body and nesting caps,
rate limits and security headers."""

from __future__ import annotations

import io
import json
import logging
import math
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import urlsplit

import limits
import limits.storage
import limits.strategies
import psutil

from .auth import Authenticator
from .validation import MAX_JSON_DEPTH, display_text, json_depth

log = logging.getLogger(__name__)

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "ip6-localhost")
WILDCARDS = ("", "0.0.0.0", "::")
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# no outside origin anywhere; inline styles are how plotly and Dash position what they draw
DEFAULT_CSP = ("default-src 'self'; script-src 'self'{scripts}; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
               "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
               "frame-ancestors {ancestors}")
SECURITY_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
                    ("X-Frame-Options", "DENY"), ("Cross-Origin-Opener-Policy", "same-origin"))

StartResponse = Callable[..., Any]


def content_security_policy(script_hashes: Iterable[str] = (), *, eval_scripts: bool = False,
                            framed_by_self: bool = False) -> str:
    """Our CSP: only this origin; inline scripts only by hash; framing by nobody (or this origin)."""
    extra = "".join(f" {h}" for h in script_hashes) + (" 'unsafe-eval'" if eval_scripts else "")
    return DEFAULT_CSP.format(scripts=extra, ancestors="'self'" if framed_by_self else "'none'")


@dataclass(frozen=True)
class RateRule:
    """At most `limit` (a `limits` string such as "6/minute") requests to method+path per client."""

    method: str
    path: str
    limit: str


@dataclass(frozen=True)
class Exposure:
    """How one server faces the network: who may ask, what they may send, how fast."""

    authenticator: Authenticator | None = None
    # the app checks credentials itself (the coordinator's API key): nothing here to add
    app_authenticates: bool = False
    insecure_no_auth: bool = False
    allowed_hosts: tuple[str, ...] = ()
    public_paths: frozenset[str] = frozenset()
    max_body_bytes: int = 1024 * 1024
    max_json_depth: int = MAX_JSON_DEPTH
    rate_rules: tuple[RateRule, ...] = ()
    csp: str = field(default_factory=content_security_policy)
    # waitress: worker threads, seconds a connection may sit idle or mid-request, open connections
    threads: int = 8
    channel_timeout_s: float = 30.0
    connection_limit: int = 500

    @property
    def authenticated(self) -> bool:
        return self.app_authenticates or (self.authenticator is not None and self.authenticator.configured)


def is_loopback(host: str) -> bool:
    """True for names and addresses that only this machine can reach."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return all(info[4][0].startswith("127.") or info[4][0] == "::1"
                   for info in socket.getaddrinfo(host, None))
    except (socket.gaierror, UnicodeError):
        return False


def host_names(bound: str, extra: Iterable[str]) -> frozenset[str]:
    """Host header values we answer: loopback, the bound host, this machine's names, extra."""
    names = {*LOOPBACK_NAMES, *(h.lower() for h in extra)}
    if bound not in WILDCARDS:
        names.add(bound.lower())
    else:
        # bound to every interface: its addresses and the machine's names are ours, a rebinding
        # attacker's domain name is not
        names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
        names |= {a.address.split("%")[0].lower() for addrs in psutil.net_if_addrs().values()
                  for a in addrs if a.family in (socket.AF_INET, socket.AF_INET6)}
    return frozenset(names)


def _hostname(host_header: str) -> str:
    """'Example.org:8085' -> 'example.org'; '[::1]:80' -> '::1'."""
    try:
        return (urlsplit("//" + host_header).hostname or "").lower()
    except ValueError:
        return ""


def _reply(start_response: StartResponse, status: str, message: str,
           headers: Iterable[tuple[str, str]] = ()) -> list[bytes]:
    body = json.dumps({"error": message}).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                            *SECURITY_HEADERS, ("Content-Security-Policy", "default-src 'none'"),
                            *headers])
    return [body]


class Guard:
    """WSGI middleware: everything a request must pass before the app sees it."""

    def __init__(self, app: Callable[..., Iterable[bytes]], exposure: Exposure, bound_host: str) -> None:
        self.app = app
        self.exposure = exposure
        self.hosts = host_names(bound_host, exposure.allowed_hosts)
        self._any_host = "*" in exposure.allowed_hosts
        self._limiter = limits.strategies.MovingWindowRateLimiter(limits.storage.MemoryStorage())
        self._rules = [(r.method, r.path, limits.parse(r.limit)) for r in exposure.rate_rules]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        refusal = (self._check_host(environ) or self._check_auth(environ) or self._check_origin(environ)
                   or self._check_body(environ) or self._check_rate(environ))
        if refusal is not None:
            return _reply(start_response, *refusal)
        return self.app(environ, self._with_headers(start_response))

    def _check_host(self, environ: Mapping[str, Any]) -> tuple[str, str] | None:
        host = _hostname(str(environ.get("HTTP_HOST", "")))
        if self._any_host or host in self.hosts:
            return None
        return "400 Bad Request", (f"Host {display_text(host, 80)!r} is not served here; "
                                   "the operator can add it with --allowed-host")

    def _check_auth(self, environ: dict[str, Any]) -> tuple[str, str, list] | None:
        auth = self.exposure.authenticator
        if auth is None or not auth.configured or environ.get("PATH_INFO") in self.exposure.public_paths:
            return None
        user = auth.user(environ)
        if user is not None:
            environ["REMOTE_USER"] = user
            return None
        challenge = [("WWW-Authenticate", 'Basic realm="drm-dashboard", charset="UTF-8"')]
        return "401 Unauthorized", "authentication required", challenge if auth.accepts_basic else []

    def _check_origin(self, environ: Mapping[str, Any]) -> tuple[str, str] | None:
        """A browser's state-changing request must come from one of our own pages (CSRF)."""
        if environ.get("REQUEST_METHOD") not in UNSAFE_METHODS:
            return None
        if environ.get("HTTP_SEC_FETCH_SITE") in ("cross-site", "same-site"):
            return "403 Forbidden", "cross-site request refused"
        origin = environ.get("HTTP_ORIGIN")
        if origin and urlsplit(origin).netloc.lower() != str(environ.get("HTTP_HOST", "")).lower():
            return "403 Forbidden", "cross-origin request refused"
        return None

    def _check_body(self, environ: dict[str, Any]) -> tuple[str, str] | None:
        cap = self.exposure.max_body_bytes
        declared = str(environ.get("CONTENT_LENGTH") or "0")
        if not declared.isdigit() or int(declared) > cap:
            return "413 Request Entity Too Large", f"the body exceeds {cap:,} bytes"
        if not int(declared) or "json" not in str(environ.get("CONTENT_TYPE", "")):
            return None
        # read it once here (the server has received it already) and hand the app a copy
        body = environ["wsgi.input"].read(int(declared))
        environ["wsgi.input"] = io.BytesIO(body)
        allowed = self.exposure.max_json_depth
        # fewer opening brackets than allowed cannot nest deeper: most bodies end here, at C speed
        if body.count(b"[") + body.count(b"{") <= allowed:
            return None
        depth = json_depth(body)
        if depth > allowed:
            return "400 Bad Request", f"JSON nested {depth} levels deep, at most {allowed}"
        return None

    def _check_rate(self, environ: Mapping[str, Any]) -> tuple[str, str, list] | None:
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        who = str(environ.get("REMOTE_USER") or environ.get("REMOTE_ADDR") or "-")
        for rule_method, rule_path, limit in self._rules:
            if rule_method == method and rule_path == path and not self._limiter.hit(limit, path, who):
                reset = self._limiter.get_window_stats(limit, path, who).reset_time
                retry = max(1, math.ceil(reset - time.time()))
                return "429 Too Many Requests", f"at most {limit} for {path}", [("Retry-After", str(retry))]
        return None

    def _with_headers(self, start_response: StartResponse) -> StartResponse:
        csp = self.exposure.csp

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            kept = [(n, v) for n, v in headers if n.lower() != "server"]
            kept += [(n, v) for n, v in SECURITY_HEADERS if n.lower() not in present]
            if "content-security-policy" not in present:
                kept.append(("Content-Security-Policy", csp))
            return start_response(status, kept, exc_info) if exc_info else start_response(status, kept)
        return start
