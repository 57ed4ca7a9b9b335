"""End-to-end run of the detection benchmark CLI on a small synthetic data root."""

import csv
import json
from datetime import datetime, timedelta

import numpy as np

from drm_dashboard.evaluation.crossval import assign_folds
from drm_dashboard.evaluation.detection import main


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


def test_cross_validation_reports_out_of_fold_figures_per_fold(tmp_path):
    make_root(tmp_path / "data")
    # a second TCPD series and NAB file per group, so each of two folds has a test series
    rng = np.random.default_rng(1)
    series = np.r_[rng.normal(0, 1, 50), rng.normal(-5, 1, 30)]
    doc = {"name": "toy2", "n_obs": 80, "n_dim": 1, "time": {"index": list(range(80))},
           "series": [{"label": "V1", "type": "float", "raw": series.tolist()}]}
    (tmp_path / "data" / "tcpd" / "datasets" / "toy2.json").write_text(json.dumps(doc))
    notes = json.loads((tmp_path / "data" / "tcpd" / "annotations.json").read_text())
    (tmp_path / "data" / "tcpd" / "annotations.json").write_text(
        json.dumps({**notes, "toy2": {"1": [50], "2": [50]}}))
    windows = json.loads((tmp_path / "data" / "nab" / "labels" / "combined_windows.json").read_text())
    for group in ("realAWSCloudwatch", "realKnownCause"):
        values = np.r_[rng.normal(5, 0.5, 300), rng.normal(1, 0.5, 100)]
        stamps = write_nab_file(tmp_path / "data" / "nab" / "data" / group / "z_step.csv", values,
                                datetime(2020, 2, 1))
        windows[f"{group}/z_step.csv"] = [[stamps[290], stamps[320]]]
    (tmp_path / "data" / "nab" / "labels" / "combined_windows.json").write_text(json.dumps(windows))
    out = tmp_path / "out"
    assert main(["--data-root", str(tmp_path / "data"), "--out", str(out), "--cross-validate",
                 "--folds", "2"]) == 0
    cv = json.loads((out / "summary.json").read_text())["crossval"]
    assert cv["folds"] == 2 and len(cv["chosen_per_fold"]) == 2
    f1 = cv["scores"]["tcpd_f1"]
    assert len(f1["folds"]) == 2 and f1["mean"] == sum(f1["folds"]) / 2
    assert set(cv["scores"]) >= {"tcpd_cover", "nab_realAWSCloudwatch",
                                 "nab_realAWSCloudwatch_train_threshold"}
    assert cv["confidence_oof"]["findings"] >= 2
    # bias, ln(z^2 / threshold), ln(relative change)
    assert len(cv["chosen"]["confidence_weights"]) == 3
    # leave-one-series-out beside it: one TCPD figure per series, NAB pooled per group
    loso = cv["loso"]
    assert loso["folds"] == 0 and len(loso["scores"]["tcpd_f1"]["folds"]) == 2
    assert len(loso["chosen_per_fold"]) == 2 + 2 * 2  # every TCPD series and NAB file held out
    assert set(loso["scores"]["nab_realAWSCloudwatch"]) == {"mean"}
    assert loso["confidence_oof"]["findings"] >= 2
    # the configured offline cost, and every cost compared out of fold with its penalty chosen in fold
    assert {c["offline_cost"] for c in cv["chosen_per_fold"]} == {cv["chosen"]["offline_cost"]} == {"linear"}
    for scheme in ("kfold", "loso"):
        costs = cv["offline_costs"][scheme]
        assert set(costs) == {"level", "linear", "chosen in fold"}
        assert all(0.0 <= v <= 1.0 for row in costs.values() for v in row.values())
    assert costs["linear"]["tcpd_f1"] == loso["scores"]["tcpd_f1"]["mean"]


def test_assign_folds_goes_by_position_within_each_group():
    keys = [("a", "x3"), ("a", "x1"), ("a", "x2"), ("b", "y1"), ("b", "y2")]
    assert assign_folds(keys, 2) == {"x1": 0, "x2": 1, "x3": 0, "y1": 0, "y2": 1}
    assert assign_folds(keys, 0) == {"x1": 0, "x2": 1, "x3": 2, "y1": 3, "y2": 4}  # one per series


def test_too_few_folds_is_a_bad_flag(tmp_path, capsys):
    make_root(tmp_path / "data")
    assert main(["--data-root", str(tmp_path / "data"), "--out", str(tmp_path / "out"),
                 "--cross-validate", "--folds", "1"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: --folds must be 0 (leave-one-series-out) or at least 2, got 1")
