"""Authentication on every route of every server we run: basic auth, bearer tokens, a trusted proxy."""

import os
import re
import stat
import subprocess
import sys

import pytest
import requests

from drm_dashboard.access import build_exposure
from drm_dashboard.auth import AuthFile, Authenticator, parse_networks
from drm_dashboard.coordinator.service import Coordinator
from drm_dashboard.errors import ConfigError
from security_helpers import PASSWORD, USER, basic, bearer

pytestmark = pytest.mark.timeout(120)
# the dashboard's routes, Dash's, and one nobody serves: a /metrics added later is behind it too
DASHBOARD_ROUTES = [("GET", ""), ("GET", "_dash-layout"), ("GET", "_dash-dependencies"),
                    ("POST", "_dash-update-component"), ("GET", "_drm/theme/darkly.css"),
                    ("GET", "metrics"), ("GET", "assets/drm.css")]


def ask(method, url, **kw):
    return requests.request(method, url, timeout=20, allow_redirects=False, **kw)


def test_the_auth_file_holds_hashes_only_and_is_private(auth_file):
    path, token = auth_file
    text = path.read_text()
    assert PASSWORD not in text and token not in text
    assert re.fullmatch(r"alice:scrypt:\S+\nci:token-sha256\$[0-9a-f]{64}\n", text)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = AuthFile.load(path)
    assert set(loaded.users) == {"alice"} and set(loaded.tokens.values()) == {"ci"}


@pytest.mark.parametrize("line", ["alice", "alice:plaintext-password", "a/b:scrypt:1:1:1$x$y",
                                  "bob:token-sha256$abc"])
def test_a_malformed_auth_file_names_the_line(tmp_path, line):
    path = tmp_path / "users"
    path.write_text(f"# users\n\n{line}\n")
    with pytest.raises(ConfigError, match=r"line 3: expected NAME:HASH"):
        AuthFile.load(path)


def test_passwd_and_token_commands_write_the_file(tmp_path):
    path = tmp_path / "users"
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-c", "import sys; from drm_dashboard.cli import main; sys.exit(main())"]
    done = subprocess.run([*cmd, "passwd", str(path), "bob"], input="s3cret-enough\n", text=True,
                          capture_output=True, timeout=60, env=env)
    assert done.returncode == 0 and "bob written" in done.stdout
    token = subprocess.run([*cmd, "token", str(path), "prom"], text=True, capture_output=True,
                           timeout=60, env=env).stdout.strip()
    auth = Authenticator(AuthFile.load(path))
    assert auth.user({"HTTP_AUTHORIZATION": basic("bob", "s3cret-enough")["Authorization"]}) == "bob"
    assert auth.user({"HTTP_AUTHORIZATION": f"Bearer {token}"}) == "prom"
    short = subprocess.run([*cmd, "passwd", str(path), "eve"], input="short\n", text=True,
                           capture_output=True, timeout=60, env=env)
    assert short.returncode == 2 and short.stderr.count("\n") == 1 and "at least 8" in short.stderr


def test_authenticator_refuses_wrong_unknown_and_malformed_credentials(auth_file):
    auth = Authenticator(AuthFile.load(auth_file[0]))
    for header in (basic(password="wrong"), basic(user="mallory"), {"Authorization": "Basic !!!"},
                   bearer("not-the-token"), {"Authorization": "Bearer "}, {}):
        assert auth.user({f"HTTP_{k.upper()}": v for k, v in header.items()}) is None
    # a verified password is remembered by digest: the second check skips scrypt, same answer
    env = {"HTTP_AUTHORIZATION": basic()["Authorization"]}
    assert auth.user(env) == auth.user(env) == USER


def test_every_dashboard_route_needs_credentials(dashboard_factory, auth_file):
    path, token = auth_file
    _, url = dashboard_factory(auth_file=str(path))
    page = ask("GET", url, headers=basic())
    assert page.status_code == 200
    suite = re.search(r'src="/(_dash-component-suites/[^"]+)"', page.text).group(1)
    for method, route in [*DASHBOARD_ROUTES, ("GET", suite)]:
        refused = ask(method, url + route)
        assert refused.status_code == 401, route
        assert refused.headers["WWW-Authenticate"].startswith('Basic realm="drm-dashboard"')
        assert ask(method, url + route, headers=basic(password="wrong")).status_code == 401
    for headers in (basic(), bearer(token)):
        assert ask("GET", url + "_dash-layout", headers=headers).status_code == 200
        assert ask("GET", url + suite, headers=headers).status_code == 200


def test_a_trusted_proxy_passes_the_user_and_no_one_else_can(dashboard_factory):
    _, url = dashboard_factory(trusted_proxy="127.0.0.1")
    assert ask("GET", url + "_dash-layout", headers={"X-Forwarded-User": "carol"}).status_code == 200
    assert ask("GET", url + "_dash-layout").status_code == 401
    assert ask("GET", url + "_dash-layout", headers={"X-Forwarded-User": "x" * 200}).status_code == 401
    _, elsewhere = dashboard_factory(trusted_proxy="10.9.8.7")
    assert ask("GET", elsewhere + "_dash-layout", headers={"X-Forwarded-User": "carol"}).status_code == 401


def test_the_monitoring_page_and_its_live_page_need_credentials(monitored, auth_file):
    dashboard, integration = monitored(auth_file[0])
    url = dashboard.start().rsplit("/drm-dashboard", 1)[0] + "/"
    for method, route in [("GET", ""), ("GET", "drm-dashboard"), ("GET", "drm-dashboard/summary.json"),
                          ("GET", "drm-dashboard/report"), ("POST", "drm-dashboard/live"),
                          ("POST", "drm-dashboard/refresh"), ("GET", "drm-dashboard/assets/page.js"),
                          ("GET", "metrics")]:
        assert ask(method, url + route).status_code == 401, route
    page = ask("GET", url + "drm-dashboard", headers=basic()).text
    csrf = re.search(r"name='csrf' value='([0-9a-f]{64})'", page).group(1)
    live = ask("POST", url + "drm-dashboard/live", headers=basic(), data={"csrf": csrf})
    assert live.status_code == 303
    live_url = live.headers["Location"]
    assert ask("GET", live_url).status_code == 401
    assert ask("GET", live_url + "_dash-layout", headers=basic()).status_code == 200
    assert ask("POST", live_url + "_dash-update-component").status_code == 401


def test_the_coordinator_needs_its_key_everywhere_but_health():
    c = Coordinator("k-123456", port=0, evaluate_every_s=3600)
    c.start()
    try:
        assert ask("GET", c.url + "/api/v1/health").status_code == 200
        for method, route in [("GET", "/api/v1/snapshot"), ("POST", "/api/v1/workers"),
                              ("POST", "/api/v1/workers/w/heartbeat"), ("DELETE", "/api/v1/workers/w"),
                              ("GET", "/metrics"), ("GET", "/")]:
            resp = ask(method, c.url + route)
            assert resp.status_code == 401 and resp.json() == {"error": "missing or wrong API key"}, route
        assert ask("GET", c.url + "/metrics", headers={"X-API-Key": "k-123456"}).status_code == 200
    finally:
        c.stop()


def test_build_exposure_refuses_bad_addresses_and_files(tmp_path):
    with pytest.raises(ConfigError, match="--trusted-proxy: 'proxy.example' is not an IP"):
        parse_networks("10.0.0.1,proxy.example")
    with pytest.raises(ConfigError, match="--auth-file: cannot read"):
        build_exposure(auth_file=str(tmp_path / "missing"), trusted_proxy=None,
                       proxy_user_header="X-Forwarded-User", allowed_host=None, insecure_no_auth=False)
