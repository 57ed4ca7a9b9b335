"""End-to-end run of the detection benchmark CLI on a small synthetic data root."""

import csv
import json
from datetime import datetime, timedelta

import numpy as np

from drm_dashboard.bench.detection import main


def write_nab_file(path, values, start):
    path.parent.mkdir(parents=True, exist_ok=True)
    stamps = [start + timedelta(minutes=5 * i) for i in range(len(values))]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "value"])
        writer.writerows([s.strftime("%Y-%m-%d %H:%M:%S"), f"{v:.4f}"] for s, v in zip(stamps, values))
    return [s.strftime("%Y-%m-%d %H:%M:%S.%f") for s in stamps]


def make_root(root):
    rng = np.random.default_rng(0)
    start = datetime(2020, 1, 1)
    windows = {}
    for group in ("realAWSCloudwatch", "realKnownCause"):
        values = np.r_[rng.normal(10, 0.5, 250), rng.normal(16, 0.5, 150)]
        stamps = write_nab_file(root / "nab" / "data" / group / "step.csv", values, start)
        windows[f"{group}/step.csv"] = [[stamps[240], stamps[270]]]
    labels = root / "nab" / "labels"
    labels.mkdir(parents=True)
    (labels / "combined_windows.json").write_text(json.dumps(windows))
    datasets = root / "tcpd" / "datasets"
    datasets.mkdir(parents=True)
    series = np.r_[rng.normal(0, 1, 40), rng.normal(6, 1, 40)]
    doc = {"name": "toy", "n_obs": 80, "n_dim": 1, "time": {"index": list(range(80))},
           "series": [{"label": "V1", "type": "float", "raw": series.tolist()}]}
    (datasets / "toy.json").write_text(json.dumps(doc))
    (root / "tcpd" / "annotations.json").write_text(json.dumps({"toy": {"1": [40], "2": [41]}}))


def test_benchmark_cli_writes_summary_and_rows(tmp_path):
    make_root(tmp_path / "data")
    assert main(["--data-root", str(tmp_path / "data"), "--out", str(tmp_path / "out")]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert set(summary["tcpd"]) >= {"f1", "cover"}
    assert summary["tcpd"]["f1"] == 1.0
    for group in ("realAWSCloudwatch", "realKnownCause"):
        assert set(summary["nab"][group]) >= {"standard", "reward_low_FP_rate", "reward_low_FN_rate"}
        assert summary["nab"][group]["standard"] > 50
    assert set(summary["confidence"]) >= {"precision_by_tercile", "brier", "brier_constant"}
    assert len(summary["confidence"]["precision_by_tercile"]) == 3
    with (tmp_path / "out" / "per_series.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["track"] for r in rows} == {"tcpd", "nab"} and len(rows) == 3


def test_benchmark_cli_rejects_a_missing_root(tmp_path):
    assert main(["--data-root", str(tmp_path / "nope"), "--out", str(tmp_path / "out")]) == 2
