"""Calibration of first and settled confidences on a NAB-layout corpus (written here, not read from elsewhere)."""

import json
from datetime import datetime, timedelta

import numpy as np
import pytest

from drm_dashboard.analytics.changepoint_records import DetectorConfig
from drm_dashboard.evaluation import lifecycle
from drm_dashboard.evaluation.nab import load_nab

pytestmark = pytest.mark.timeout(120)


def write_corpus(root, steps):
    """One file per step position: 400 rows at 5 min, a labelled window around each real step."""
    (root / "data" / "grp").mkdir(parents=True)
    (root / "labels").mkdir(parents=True)
    start, windows = datetime(2024, 1, 1), {}
    rng = np.random.default_rng(0)
    for n, (at, labelled) in enumerate(steps):
        stamps = [start + timedelta(minutes=5 * i) for i in range(400)]
        values = np.r_[rng.normal(10, 0.5, at), rng.normal(14, 0.5, 400 - at)]
        lines = ["timestamp,value"] + [f"{s:%Y-%m-%d %H:%M:%S},{v:.4f}" for s, v in zip(stamps, values)]
        (root / "data" / "grp" / f"f{n}.csv").write_text("\n".join(lines) + "\n")
        if labelled:
            windows[f"grp/f{n}.csv"] = [[f"{stamps[at - 10]:%Y-%m-%d %H:%M:%S}.000000",
                                         f"{stamps[at + 20]:%Y-%m-%d %H:%M:%S}.000000"]]
    (root / "labels" / "combined_windows.json").write_text(json.dumps(windows))


def test_each_step_is_one_finding_paired_with_its_label_first_and_settled(tmp_path):
    tmp_path = tmp_path / "nab"
    write_corpus(tmp_path, [(200, True), (250, False)])
    files = {f.key: f for f in load_nab(tmp_path)}
    # weights that count the evidence (the NAB-fitted defaults hold its weight at 0)
    config = DetectorConfig(confidence_weights=(-2.0, 0.5, 0.4))
    for key, real in (("grp/f0.csv", True), ("grp/f1.csv", False)):
        [(first, label)], [(settled, label_again)] = lifecycle.stream_pairs(files[key], config)
        assert label == label_again == real
        # a clean 8-sd step only gains evidence after it is confirmed
        assert settled > first
    result = lifecycle.calibrate(tmp_path.parent)  # a data root whose nab/ is tmp_path
    assert set(result["settled"]) == {"nab", "pooled"}
    assert result["confirmed"]["nab"]["findings"] == result["settled"]["pooled"]["findings"] == 2
    assert result["settled"]["nab"]["base_rate"] == 0.5


def test_near_counts_the_real_share_in_the_range():
    pairs = [(0.65, True), (0.7, False), (0.75, True), (0.9, True), (0.59, False)]
    assert lifecycle.near(pairs) == {"range": [0.6, 0.8], "findings": 3, "real": 2, "real_share": 2 / 3}
    assert lifecycle.near([])["real_share"] is None


def test_a_data_root_without_nab_exits_2_with_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        lifecycle.main(["--data-root", str(tmp_path)])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1 and "neither tcpd/datasets nor nab/data" in err
