"""TCPD track: offline detection on the Turing Change Point Dataset, scored as TCPDBench does.

van den Burg & Williams (2020), arXiv:2003.06222: each series is z-scored over its whole
length, the detector returns 0-based indices where a new segment starts, and F1 (margin 5)
and covering are averaged over the univariate series with no missing values, the synthetic
quality-control series left out. One DetectorConfig serves every series.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from drm_dashboard.analytics.changepoint import (
    ChangePoint,
    DetectorConfig,
    detect_changes,
)
from drm_dashboard.evaluation.scoring import covering, f_measure

MARGIN = 5


@dataclass(frozen=True)
class TcpdSeries:
    """One TCPD dataset: values (n_obs x n_dim, nan where missing) and its annotations."""

    name: str
    values: np.ndarray
    annotations: dict[str, list[int]]

    @property
    def scored(self) -> bool:
        """Counted in the paper's univariate averages (no missing values, not synthetic)."""
        return (self.values.shape[1] == 1 and bool(np.isfinite(self.values).all())
                and not self.name.startswith("quality_control"))


def _read_series(path: Path, annotations: dict) -> TcpdSeries:
    """Parse one TCPD dataset JSON; annotators in numeric id order, as TCPD stores them."""
    doc = json.loads(path.read_text())
    columns = [[np.nan if v is None else float(v) for v in s["raw"]] for s in doc["series"]]
    users = annotations.get(doc["name"], {})
    ordered = {u: list(users[u]) for u in sorted(users, key=lambda u: (len(u), u))}
    return TcpdSeries(doc["name"], np.array(columns, dtype=float).T, ordered)


def load_tcpd(root: Path) -> list[TcpdSeries]:
    """All datasets under root/datasets that have annotations, sorted by name."""
    annotations = json.loads((root / "annotations.json").read_text())
    series = [_read_series(p, annotations) for p in sorted((root / "datasets").glob("*.json"))]
    return [s for s in series if s.annotations]


def zscore(x: np.ndarray) -> np.ndarray:
    """Standardise over the whole series, ignoring nan; a constant series becomes zeros."""
    sd = float(np.nanstd(x))
    return (x - np.nanmean(x)) / sd if sd > 0 else np.zeros_like(x)


def matched_any(index: int, annotations: dict[str, list[int]], margin: int = MARGIN) -> bool:
    """Whether a predicted change lies within the margin of any annotator's change."""
    return any(abs(index - t) <= margin for points in annotations.values() for t in points)


Outcome = tuple[ChangePoint, bool]  # a finding and whether it was a true change


def score_series(series: TcpdSeries, config: DetectorConfig) -> tuple[dict, list[Outcome]]:
    """Detect on one univariate series; its per-series row and (finding, matched) outcomes."""
    x = zscore(series.values[:, 0])
    points = detect_changes(x, config, metric=series.name)
    cps = [p.index for p in points]
    row = {"track": "tcpd", "series": series.name, "n_obs": len(x), "scored": series.scored,
           "f1": f_measure(series.annotations, cps, MARGIN),
           "cover": covering(series.annotations, cps, len(x)),
           "changes": " ".join(map(str, cps))}
    return row, [(p, matched_any(p.index, series.annotations)) for p in points]


def run_tcpd(root: Path, config: DetectorConfig) -> tuple[list[dict], dict, list[Outcome]]:
    """Per-series rows, the summary (mean F1 and covering over scored series), findings."""
    rows, pairs = [], []
    for series in load_tcpd(root):
        if series.values.shape[1] != 1:
            continue  # multivariate series count in the paper's other table
        row, found = score_series(series, config)
        rows.append(row)
        if series.scored:
            pairs.extend(found)
    scored = [r for r in rows if r["scored"]]
    summary = {"f1": _mean(r["f1"] for r in scored), "cover": _mean(r["cover"] for r in scored),
               "series": len(scored)}
    return rows, summary, pairs


def _mean(values) -> float | None:
    """Mean of an iterable, None when empty."""
    vals = list(values)
    return float(np.mean(vals)) if vals else None
