"""Benchmark scorers: TCPD's F1 and covering, NAB's windowed sigmoid score.

TCPD: van den Burg & Williams (2020), "An Evaluation of Change Point Detection Algorithms",
arXiv:2003.06222, section 4 (F1 with a margin, covering after Arbelaez et al. 2011).
NAB: Lavin & Ahmad (2015), "Evaluating Real-time Anomaly Detection Algorithms - the Numenta
Anomaly Benchmark", with the window, probation and threshold rules of NAB v1.1's sweeper.
Pure functions over index lists and arrays; the loaders live in `tcpd.py` and `nab.py`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# ---------------------------------------------------------------------------------------- TCPD


def true_positives(truth: Iterable[int], predicted: Iterable[int], margin: int = 5) -> set[int]:
    """Truth points matched one-to-one by a prediction within `margin` samples (closest first)."""
    free = set(predicted)
    matched: set[int] = set()
    # ascending order of truth points, as CPython iterates small-int sets in TCPDBench
    for tau in sorted(set(truth)):
        close = sorted((abs(tau - x), x) for x in free if abs(tau - x) <= margin)
        if close:
            matched.add(tau)
            free.remove(close[0][1])
    return matched


def f_measure(annotations: Mapping[str, Sequence[int]], predicted: Sequence[int],
              margin: int = 5) -> float:
    """TCPD F1: precision against the annotators' union, recall averaged over annotators."""
    per_user = [set(points) | {0} for points in annotations.values()]
    pred = set(predicted) | {0}
    union = set().union(*per_user)
    precision = len(true_positives(union, pred, margin)) / len(pred)
    recall = 1 / len(per_user) * sum(len(true_positives(t, pred, margin)) / len(t) for t in per_user)
    if precision + recall == 0:
        return 0.0
    # TCPDBench's form of the harmonic mean (alpha = 0.5), so published scores match bit for bit
    return precision * recall / (0.5 * recall + 0.5 * precision)


def segment_bounds(locations: Iterable[int], n_obs: int) -> list[tuple[int, int]]:
    """Half-open segments [start, end) induced by change-point starts on 0..n_obs-1."""
    cuts = sorted({int(c) for c in locations if 0 < c < n_obs})
    edges = [0, *cuts, n_obs]
    return list(zip(edges[:-1], edges[1:]))


def _jaccard(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Jaccard overlap of two half-open integer intervals."""
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (max(a[1], b[1]) - min(a[0], b[0]) if inter else 1)


def cover_single(truth: list[tuple[int, int]], predicted: list[tuple[int, int]]) -> float:
    """Covering of the true partition by the predicted one (Arbelaez et al. 2011, eq. 8)."""
    n_obs = truth[-1][1]
    total = sum((e - s) * max(_jaccard((s, e), p) for p in predicted) for s, e in truth)
    return total / n_obs


def covering(annotations: Mapping[str, Sequence[int]], predicted: Sequence[int],
             n_obs: int) -> float:
    """TCPD covering: mean over annotators of the covering of their partition."""
    pred = segment_bounds(predicted, n_obs)
    covers = [cover_single(segment_bounds(a, n_obs), pred) for a in annotations.values()]
    return sum(covers) / len(covers)


# ----------------------------------------------------------------------------------------- NAB

NAB_PROFILES: dict[str, dict[str, float]] = {
    "standard": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.11},
    "reward_low_FP_rate": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.22},
    "reward_low_FN_rate": {"tpWeight": 1.0, "fnWeight": 2.0, "fpWeight": 0.11},
}


def scaled_sigmoid(position: float) -> float:
    """NAB's scaled sigmoid: ~+1 at a window's left edge (-1), 0 at its right edge, -1 from 3 on."""
    if position >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


@dataclass(frozen=True)
class NabRows:
    """Per-row scoring layout of one NAB file: window id (-1 outside), TP and FP sigmoid terms."""

    window: np.ndarray  # int, -1 outside any window
    tp_term: np.ndarray  # unweighted sigmoid / max, meaningful inside windows
    fp_term: np.ndarray  # unweighted sigmoid, meaningful outside windows (<= 0)
    scorable: np.ndarray  # bool, False in the probationary period
    n_windows: int


def probation_length(n_rows: int, percent: float = 0.15) -> float:
    """NAB's probationary period: 15% of the rows, at most 750."""
    return min(math.floor(percent * n_rows), percent * 5000)


def nab_rows(timestamps: Sequence[str], windows: Sequence[tuple[str, str]]) -> NabRows:
    """Lay out NAB's per-row sweep terms, walking rows in file order as NAB's sweeper does."""
    stamps = list(timestamps)
    pending = list(windows)
    n = len(stamps)
    window = np.full(n, -1, dtype=int)
    tp_term, fp_term = np.zeros(n), np.zeros(n)
    max_tp = scaled_sigmoid(-1.0)
    cur, right, width, prev_right, prev_width, count = None, 0, 1.0, None, 1.0, 0
    for i, stamp in enumerate(stamps):
        if pending and stamp == pending[0][0]:
            cur = pending.pop(0)
            right = stamps.index(cur[1])
            width = float(right - stamps.index(cur[0]) + 1)
            count += 1
        if cur is not None:
            window[i] = count - 1
            tp_term[i] = scaled_sigmoid(-(right - i + 1) / width) / max_tp
        else:
            past = 3.0 if prev_right is None else abs(prev_right - i) / (prev_width - 1.0)
            fp_term[i] = scaled_sigmoid(past)
        if cur is not None and stamp == cur[1]:
            cur, prev_right, prev_width = None, i, width
    scorable = np.arange(n) >= probation_length(n)
    return NabRows(window, tp_term, fp_term, scorable, count)


def nab_file_score(rows: NabRows, scores: np.ndarray, threshold: float,
                   profile: Mapping[str, float]) -> float:
    """Raw NAB score of one file: earliest TP per window, -fnWeight per missed window, FP costs."""
    hit = rows.scorable & (np.asarray(scores) >= threshold)
    outside = hit & (rows.window < 0)
    total = profile["fpWeight"] * float(rows.fp_term[outside].sum())
    for w in range(rows.n_windows):
        in_w = hit & (rows.window == w)
        # the earliest detection has the largest sigmoid term
        total += profile["tpWeight"] * float(rows.tp_term[in_w].max()) if in_w.any() \
            else -profile["fnWeight"]
    return total


def nab_normalized(raw_total: float, n_windows: int, profile: Mapping[str, float]) -> float:
    """NAB's normalised score: 0 for the null detector, 100 for a perfect one."""
    null = -profile["fnWeight"] * n_windows
    perfect = profile["tpWeight"] * n_windows
    return 100.0 * (raw_total - null) / (perfect - null) if perfect != null else 0.0


def sweep_scores(rows: NabRows, scores: np.ndarray, thresholds: np.ndarray,
                 profile: Mapping[str, float]) -> np.ndarray:
    """Raw NAB score of one file at every threshold at once (running maxima over sorted rows)."""
    s = np.asarray(scores, dtype=float)[rows.scorable]
    order = np.argsort(-s, kind="stable")
    s_sorted = s[order]
    window = rows.window[rows.scorable][order]
    # counts[j]: rows whose score reaches thresholds[j] (s >= t)
    counts = np.searchsorted(-s_sorted, -np.asarray(thresholds), side="right")
    fp_cost = np.where(window < 0, rows.fp_term[rows.scorable][order], 0.0)
    total = profile["fpWeight"] * np.concatenate([[0.0], np.cumsum(fp_cost)])[counts]
    tp = rows.tp_term[rows.scorable][order]
    for w in range(rows.n_windows):
        best = np.maximum.accumulate(np.where(window == w, tp, -np.inf))
        reached = np.concatenate([[-np.inf], best])[counts]
        total += np.where(np.isfinite(reached), profile["tpWeight"] * reached, -profile["fnWeight"])
    return total


def best_threshold(files: Sequence[tuple[NabRows, np.ndarray]],
                   profile: Mapping[str, float]) -> float:
    """NAB's optimiser: the one threshold that maximises the summed raw score over the corpus."""
    pooled = np.concatenate([np.asarray(s, dtype=float)[r.scorable] for r, s in files])
    thresholds = np.unique(np.concatenate([pooled, [1.1]]))[::-1]
    total = sum(sweep_scores(r, s, thresholds, profile) for r, s in files)
    # the highest threshold among equal optima, as a sweep from the top first meets it
    return float(thresholds[int(np.argmax(total))])
