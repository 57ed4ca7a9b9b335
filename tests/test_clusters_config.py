"""Several coordinators on the command line: repeated --drm-url, a clusters file, and its errors."""

import json
from pathlib import Path

import pytest

from drm_dashboard.cli import main, parse_settings
from drm_dashboard.clusters import ClusterSpec, load_clusters, name_of_url
from drm_dashboard.config import resolve


def _exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        parse_settings(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_one_drm_url_is_the_single_source_path_as_before():
    s = parse_settings(["--drm-url", "http://127.0.0.1:9"])
    assert s.drm_url == "http://127.0.0.1:9" and s.drm_urls == () and s.clusters_file is None
    assert s.cluster_specs() == (ClusterSpec("127.0.0.1:9", "http://127.0.0.1:9"),)


def test_repeated_drm_url_names_each_cluster_by_host_and_port(monkeypatch):
    monkeypatch.setenv("DRM_API_KEY", "shared-key")
    s = parse_settings(["--drm-url", "http://10.0.0.1:8080", "--drm-url", "https://west.example"])
    specs = s.cluster_specs()
    assert [c.name for c in specs] == ["10.0.0.1:8080", "west.example:443"]
    assert [c.key for c in specs] == ["shared-key", "shared-key"]  # DRM_API_KEY serves all
    assert "shared-key" not in repr(specs) and "shared-key" not in repr(s)


def test_env_list_of_urls_and_a_flag_that_overrides_it():
    env = {"DRM_DASHBOARD_DRM_URLS": "http://a:1, http://b:2"}
    assert [c.name for c in resolve({}, env).cluster_specs()] == ["a:1", "b:2"]
    assert resolve({"drm_url": "http://c:3"}, env).cluster_specs()[0].name == "c:3"


def test_clusters_file_in_toml_with_keys_inline_and_from_the_environment(tmp_path):
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    path = tmp_path / "c.toml"
    path.write_text('[[cluster]]\nname = "east"\nurl = "http://e:1"\nkey = "k-east"\n'
                    'ca_bundle = "ca.pem"\n\n[[cluster]]\nurl = "http://w:2"\nkey_env = "W_KEY"\n')
    east, west = load_clusters(str(path), {"W_KEY": "k-west"})
    assert (east.name, east.key, east.ca_bundle) == ("east", "k-east", str(tmp_path / "ca.pem"))
    assert (west.name, west.url, west.key) == ("w:2", "http://w:2", "k-west")


def test_clusters_file_in_json(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"cluster": [{"name": "a", "url": "http://a:1"},
                                            {"name": "b", "url": "http://b:1"}]}))
    assert [c.name for c in load_clusters(str(path), {})] == ["a", "b"]


@pytest.mark.parametrize("text, words", [
    ("[[cluster]]\nurl = 'http://a:1'\ncolour = 'red'\n", "unknown field 'colour'"),
    ("[[cluster]]\nname = 'a'\n", "cluster[0]: url is missing"),
    ("[[cluster]]\nurl = 'ftp://a'\n", "cluster[0].url must be http(s)://host[:port]"),
    ("[[cluster]]\nurl = 'http://a:x'\n", "cluster[0].url is not a valid URL"),
    ("[[cluster]]\nname = 'a/b'\nurl = 'http://a:1'\n", "cluster[0].name: 'a/b' is not"),
    ("[[cluster]]\nname = 'a'\nurl = 'http://a:1'\n[[cluster]]\nname = 'a'\nurl = 'http://b:1'\n",
     "two clusters with the name 'a'"),
    ("[[cluster]]\nurl = 'http://a:1'\n[[cluster]]\nname = 'b'\nurl = 'http://a:1'\n",
     "two clusters with the url"),
    ("[[cluster]]\nurl = 'http://a:1'\nkey_env = 'NOPE_UNSET_KEY'\n",
     "environment variable NOPE_UNSET_KEY is not set"),
    ("[[cluster]]\nurl = 'http://a:1'\nkey = 'k'\nkey_env = 'K'\n", "give key or key_env, not both"),
    ("[[cluster]]\nurl = 'http://a:1'\nca_bundle = 'missing.pem'\n", "is not a readable file"),
    ("[[cluster]]\nurl = 'http://a:1'\nkey = 3\n", "cluster[0].key: expected non-empty text"),
    ("cluster = []\n", "cluster must be a non-empty list of tables"),
    ("[server]\nurl = 'http://a:1'\n", "expected only a list of [[cluster]] tables"),
    ("[[cluster]\nurl = 'http://a:1'\n", "not valid TOML"),
])
def test_a_bad_clusters_file_exits_2_naming_the_field(tmp_path, capsys, text, words):
    path = tmp_path / "clusters.toml"
    path.write_text(text)
    err = _exit_2(["--clusters", str(path)], capsys)
    assert f"--clusters {path}" in err and words in err, err


def test_a_missing_or_non_json_clusters_file_exits_2(tmp_path, capsys):
    assert "cannot read the file" in _exit_2(["--clusters", str(tmp_path / "none.toml")], capsys)
    bad = tmp_path / "c.json"
    bad.write_text("{not json")
    assert "not valid JSON" in _exit_2(["--clusters", str(bad)], capsys)


@pytest.mark.parametrize("argv, words", [
    (["--drm-url", "http://a:1", "--drm-url", "http://a:1/other"], "two clusters with the name 'a:1'"),
    (["--drm-url", "http://a:1", "--drm-url", "ftp://b"], "--drm-url must be http(s)"),
    (["--drm-url", "http://a:1", "--clusters", "c.toml"], "--drm-url or --clusters, not both"),
    (["--prometheus-url", "http://p:9090", "--clusters", "c.toml"], "--clusters or --prometheus-url"),
])
def test_flags_that_do_not_go_together_exit_2(tmp_path, monkeypatch, capsys, argv, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.toml").write_text("[[cluster]]\nurl = 'http://a:1'\n")
    assert words in _exit_2(argv, capsys)


def test_the_demo_flags_are_refused_with_a_clusters_file(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text("[[cluster]]\nurl = 'http://127.0.0.1:9'\n")
    assert main(["--clusters", str(path), "--demo-speed", "10", "--no-server", "--duration", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not --clusters" in err


def test_name_of_url_uses_the_schemes_port():
    assert name_of_url("http://h") == "h:80" and name_of_url("https://h:8443/x") == "h:8443"


def test_the_readme_clusters_file_loads_as_printed(tmp_path):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("### Several coordinators", 1)[1]
    block = section.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "clusters.toml"
    path.write_text(block)
    (tmp_path / "west-ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    east, west = load_clusters(str(path), {"EAST_DRM_KEY": "e", "WEST_DRM_KEY": "w"})
    assert (east.name, east.key, west.name, west.key) == ("east", "e", "west", "w")
