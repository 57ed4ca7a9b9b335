"""--prometheus-* flags: resolved once, bad combinations exit 2 with one line, secrets kept out of repr."""

import pytest

from drm_dashboard.cli import main, parse_settings
from drm_dashboard.config import resolve
from drm_dashboard.sources.prometheus import PrometheusSource, from_settings


@pytest.mark.parametrize("argv, words", [
    (["--prometheus-url", "ftp://x"], "--prometheus-url"),
    (["--prometheus-url", "http://p:9090", "--drm-url", "http://c:8086"], "not both"),
    (["--prometheus-user", "u"], "need --prometheus-url"),
    (["--prometheus-url", "http://p:9090", "--prometheus-user", "u"], "PROMETHEUS_PASSWORD"),
    (["--prometheus-url", "http://p:9090", "--prometheus-max-workers", "0"], "--prometheus-max-workers"),
])
def test_bad_prometheus_flags_exit_2_with_one_line(argv, words, capsys, monkeypatch):
    monkeypatch.delenv("DRM_DASHBOARD_PROMETHEUS_PASSWORD", raising=False)
    with pytest.raises(SystemExit) as exc:
        parse_settings(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err


def test_an_unreadable_token_file_exits_2_naming_the_flag(tmp_path, capsys):
    code = main(["--prometheus-url", "http://127.0.0.1:9", "--prometheus-bearer-token-file",
                 str(tmp_path / "absent"), "--db-path", str(tmp_path / "h.duckdb")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--prometheus-bearer-token-file" in err


def test_settings_build_the_source_and_keep_secrets_out_of_repr(tmp_path):
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    s = resolve({"prometheus_url": "http://user:pw@127.0.0.1:9090/prom/",
                 "prometheus_bearer_token_file": str(token)},
                environ={"DRM_DASHBOARD_PROMETHEUS_MAX_WORKERS": "7"})
    source = from_settings(s)
    assert isinstance(source, PrometheusSource) and source.max_workers == 7
    # user info never reaches the header; the token is sent, never shown
    assert source.description == "Prometheus http://127.0.0.1:9090/prom"
    assert "s3cret" not in repr(s) and "s3cret" not in source.description
    assert source.client._headers["Authorization"] == "Bearer s3cret-token"
