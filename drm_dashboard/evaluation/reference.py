"""Checks of the scorers against published numbers shipped with the data, when present.

NAB: re-score reference/numenta_detections with the thresholds of published_file_scores.csv
and compare with its Score column. TCPD: the `zero` method (no change points) must give back
reference/published_default_{f1,cover}_scores.json.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from drm_dashboard.evaluation.nab import load_nab, load_profiles, read_scores_csv
from drm_dashboard.evaluation.scoring import covering, f_measure, nab_file_score
from drm_dashboard.evaluation.tcpd import load_tcpd


def check_numenta(root: Path) -> dict | None:
    """Max |published - ours| over the Numenta detector's files and profiles; None if absent."""
    table = root / "reference" / "published_file_scores.csv"
    detections = root / "reference" / "numenta_detections"
    if not (table.exists() and detections.exists()):
        return None
    files = {f.key: f for f in load_nab(root)}
    profiles = load_profiles(root)
    with table.open(newline="") as handle:
        published = [r for r in csv.DictReader(handle) if r["Detector"] == "numenta"]
    worst, compared = 0.0, 0
    for record in published:
        path = detections / record["File"]
        if record["File"] not in files or not path.exists():
            continue
        _, scores = read_scores_csv(path, "anomaly_score")
        ours = nab_file_score(files[record["File"]].rows, scores, float(record["Threshold"]),
                              profiles[record["Profile"]])
        worst = max(worst, abs(ours - float(record["Score"])))
        compared += 1
    return {"compared": compared, "max_abs_diff": worst}


def check_tcpd_zero(root: Path) -> dict | None:
    """Max |published - ours| for the `zero` method's F1 and covering; None if absent."""
    ref = root / "reference"
    paths = [ref / f"published_default_{m}_scores.json" for m in ("f1", "cover")]
    if not all(p.exists() for p in paths):
        return None
    f1_ref, cover_ref = (json.loads(p.read_text()) for p in paths)
    worst, compared = 0.0, 0
    for series in load_tcpd(root):
        zero_f1 = (f1_ref.get(series.name) or {}).get("zero")
        zero_cover = (cover_ref.get(series.name) or {}).get("zero")
        if zero_f1 is None or zero_cover is None:
            continue
        n_obs = series.values.shape[0]
        worst = max(worst, abs(f_measure(series.annotations, []) - zero_f1),
                    abs(covering(series.annotations, [], n_obs) - zero_cover))
        compared += 1
    return {"compared": compared, "max_abs_diff": worst}
