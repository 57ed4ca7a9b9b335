"""NAB track: the dashboard's OnlineDetector fed row by row, scored by NAB's rules.

Lavin & Ahmad (2015), "Evaluating Real-time Anomaly Detection Algorithms - the Numenta Anomaly
Benchmark": one anomaly score per row from past data only; one threshold per profile chosen
over the whole corpus (NAB's optimiser), then normalised per group (0 = null, 100 = perfect).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from drm_dashboard.analytics.changepoint import DetectorConfig, Finding, OnlineDetector
from drm_dashboard.evaluation.scoring import (
    NAB_PROFILES,
    NabRows,
    best_threshold,
    nab_file_score,
    nab_normalized,
    nab_rows,
)


@dataclass(frozen=True)
class NabFile:
    """One NAB data file: its key 'group/name.csv', canonical timestamps, values, windows."""

    key: str
    stamps: list[str]
    values: np.ndarray
    rows: NabRows

    @property
    def group(self) -> str:
        """The corpus folder, e.g. realAWSCloudwatch."""
        return self.key.split("/")[0]


def canonical(stamp: str) -> str:
    """One spelling for NAB timestamps, with or without microseconds."""
    return datetime.fromisoformat(stamp.strip()).strftime("%Y-%m-%d %H:%M:%S.%f")


def epoch(stamp: str) -> float:
    """Canonical timestamp to epoch seconds (naive, read as UTC; only differences matter)."""
    return datetime.fromisoformat(stamp).timestamp()


def read_scores_csv(path: Path, column: str) -> tuple[list[str], np.ndarray]:
    """Canonical timestamps and one float column of a NAB-style CSV, in file order."""
    with path.open(newline="") as handle:
        records = list(csv.DictReader(handle))
    return [canonical(r["timestamp"]) for r in records], np.array([float(r[column]) for r in records])


def load_nab(root: Path) -> list[NabFile]:
    """Every root/data/<group>/*.csv with its windows from labels/combined_windows.json."""
    windows = json.loads((root / "labels" / "combined_windows.json").read_text())
    files = []
    for path in sorted((root / "data").glob("*/*.csv")):
        key = f"{path.parent.name}/{path.name}"
        stamps, values = read_scores_csv(path, "value")
        limits = [(canonical(a), canonical(b)) for a, b in windows.get(key, [])]
        files.append(NabFile(key, stamps, values, nab_rows(stamps, limits)))
    return files


def load_profiles(root: Path) -> dict[str, dict[str, float]]:
    """Cost profiles from reference/profiles.json, NAB's defaults when absent."""
    path = root / "reference" / "profiles.json"
    if not path.exists():
        return dict(NAB_PROFILES)
    return {name: p["CostMatrix"] for name, p in json.loads(path.read_text()).items()}


def stream(file: NabFile, config: DetectorConfig) -> tuple[np.ndarray, list[tuple[int, Finding]]]:
    """Per-row anomaly scores and (row, finding) of findings, through OnlineDetector."""
    detector = OnlineDetector(file.key, higher_is_better=None, config=config)
    scores = np.zeros(len(file.values))
    found = []
    for i, (stamp, value) in enumerate(zip(file.stamps, file.values)):
        finding = detector.update(epoch(stamp), float(value))
        scores[i] = detector.anomaly_score
        if finding is not None:
            found.append((i, finding))
    return scores, found


def finding_outcomes(file: NabFile, found: Sequence[tuple[int, Finding]]) -> list[tuple[Finding, bool]]:
    """(finding, inside a window) for findings confirmed after the probationary period."""
    return [(c, bool(file.rows.window[i] >= 0)) for i, c in found if file.rows.scorable[i]]


def score_groups(files: Sequence[NabFile], scores: dict[str, np.ndarray],
                 profiles: dict[str, dict[str, float]]) -> tuple[dict, dict]:
    """Normalised score per group and profile, and raw per-file scores per profile."""
    summary: dict[str, dict[str, float]] = {}
    raw: dict[str, dict[str, float]] = {f.key: {} for f in files}
    for name, profile in profiles.items():
        threshold = best_threshold([(f.rows, scores[f.key]) for f in files], profile)
        for f in files:
            raw[f.key][name] = nab_file_score(f.rows, scores[f.key], threshold, profile)
        for group in sorted({f.group for f in files}):
            members = [f for f in files if f.group == group]
            total = sum(raw[f.key][name] for f in members)
            windows = sum(f.rows.n_windows for f in members)
            summary.setdefault(group, {})[name] = nab_normalized(total, windows, profile)
        summary.setdefault("threshold", {})[name] = threshold
    return summary, raw


def run_nab(root: Path, config: DetectorConfig) -> tuple[list[dict], dict, list[tuple[Finding, bool]]]:
    """Stream every file, score all profiles; per-file rows, summary and finding outcomes."""
    files = load_nab(root)
    profiles = load_profiles(root)
    scores, pairs, counts = {}, [], {}
    for f in files:
        scores[f.key], found = stream(f, config)
        counts[f.key] = len(found)
        pairs.extend(finding_outcomes(f, found))
    summary, raw = score_groups(files, scores, profiles)
    rows = [{"track": "nab", "series": f.key, "n_obs": len(f.values), "scored": True,
             "windows": f.rows.n_windows, "findings": counts[f.key],
             **{f"nab_{p}": raw[f.key][p] for p in profiles}} for f in files]
    return rows, summary, pairs
