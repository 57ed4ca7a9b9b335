"""The exposure flags every server command shares, and the Exposure they build (docs/SECURITY.md)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any, Sequence

from .auth import AuthFile, Authenticator, add_token, add_user, parse_networks
from .cli_common import OneLineParser
from .errors import ConfigError, DashboardError
from .guard import Exposure


def add_access_flags(parser: argparse.ArgumentParser) -> None:
    """--auth-file, --trusted-proxy, --proxy-user-header, --allowed-host, --insecure-no-auth.

    Unset flags stay None: the command's settings fill them from the environment or defaults.
    """
    g = parser.add_argument_group("access (see docs/SECURITY.md)")
    g.add_argument("--auth-file", dest="auth_file",
                   help="users (hashed passwords) and bearer tokens allowed in; "
                        "add one with `drm-dashboard passwd FILE USER` or `drm-dashboard token FILE NAME`")
    g.add_argument("--trusted-proxy", dest="trusted_proxy", metavar="ADDRS",
                   help="comma-separated addresses or networks of an authenticating reverse proxy "
                        "whose user header is believed")
    g.add_argument("--proxy-user-header", dest="proxy_user_header",
                   help="header in which --trusted-proxy passes the user (default: X-Forwarded-User)")
    g.add_argument("--allowed-host", dest="allowed_host", metavar="NAMES",
                   help="comma-separated Host names served besides loopback and --host ('*': any)")
    g.add_argument("--insecure-no-auth", dest="insecure_no_auth", action="store_true",
                   default=None, help="serve a non-loopback address with no authentication")


def build_exposure(*, auth_file: str | None, trusted_proxy: str | None, proxy_user_header: str,
                   allowed_host: str | None, insecure_no_auth: bool, **limits: Any) -> Exposure:
    """The Exposure of a page server from its flags; ConfigError on a bad auth file or address."""
    proxies = parse_networks(trusted_proxy)
    auth = None
    if auth_file or proxies:
        loaded = AuthFile.load(auth_file) if auth_file else None
        auth = Authenticator(loaded, proxies=proxies, proxy_header=proxy_user_header)
    hosts = tuple(h.strip() for h in (allowed_host or "").split(",") if h.strip())
    return Exposure(authenticator=auth, insecure_no_auth=insecure_no_auth, allowed_hosts=hosts, **limits)


def _read_password() -> str:
    """From a terminal, asked twice; from a pipe, its first line (for scripts)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise ConfigError("the two passwords differ")
    return first


def passwd_main(argv: Sequence[str], prog: str) -> int:
    """`drm-dashboard passwd FILE USER`: add or replace a user (the password is read, never a flag)."""
    p = OneLineParser(prog=prog, description="Add or replace a user of an --auth-file.")
    p.add_argument("file")
    p.add_argument("user")
    args = p.parse_args(argv)
    try:
        add_user(args.file, args.user, _read_password())
    except (DashboardError, OSError) as exc:
        p.error(str(exc))
    print(f"{args.user} written to {args.file}")
    return 0


def token_main(argv: Sequence[str], prog: str) -> int:
    """`drm-dashboard token FILE NAME`: add a bearer token and print it (only its hash is stored)."""
    p = OneLineParser(prog=prog, description="Add a bearer token to an --auth-file; prints it once.")
    p.add_argument("file")
    p.add_argument("name")
    args = p.parse_args(argv)
    try:
        print(add_token(args.file, args.name))
    except (DashboardError, OSError) as exc:
        p.error(str(exc))
    return 0
