"""Cross-validation of the detector's few settings across series (`detection --cross-validate`).

The grid is small on purpose: the offline PELT penalty (chosen on TCPD by mean F1 + covering)
and the online penalty with its noise scale, plain or AR(1)-widened (chosen on NAB by the mean
over groups of the standard profile's score).
Series are split into k folds by position within each group sorted by name (the rule that
made the held-out split), so every fold mixes groups. Per fold, each penalty is chosen on the
other folds and scored on this one; each statistic's confidence weights (offline on TCPD's
findings, online on NAB's) are fitted on the other folds and judged on this fold's, so every
reported figure is out-of-fold. NAB scores a fold twice: with its threshold optimised on the fold
itself, as the benchmark does on any data root, and with the threshold carried over from the
training folds (stricter).
k = 0 means leave-one-series-out (`loso`): every series is its own fold. A single NAB file is
too little to score alone, so there the held-out files are pooled per group: each scored with
the penalty chosen without it, then at NAB's optimum threshold over the pooled files and at
its own training threshold; the spread is over series for TCPD and not reported for NAB.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from drm_dashboard.analytics.confidence import finding_features, logistic
from drm_dashboard.analytics.changepoint_records import OFFLINE_COSTS, DetectorConfig
from drm_dashboard.evaluation.calibration import calibration_summary, fit_weights
from drm_dashboard.evaluation.nab import (
    NabFile,
    finding_outcomes,
    load_nab,
    load_profiles,
    stream,
)
from drm_dashboard.evaluation.scoring import best_threshold, nab_file_score, nab_normalized
from drm_dashboard.evaluation.tcpd import load_tcpd, score_series

OFFLINE_PENALTIES = (1.0, 2.0, 3.0, 5.0, 7.0, 10.0)
OFFLINE_GRID = tuple((cost, pen) for cost in OFFLINE_COSTS for pen in OFFLINE_PENALTIES)
ONLINE_PENALTIES = (10.0, 14.0, 20.0, 28.0, 40.0)
# online scale: within-level sd (False) or that sd widened for AR(1) residuals (True)
ONLINE_AR1 = (False, True)
ONLINE_GRID = tuple((ar1, pen) for ar1 in ONLINE_AR1 for pen in ONLINE_PENALTIES)
FOLDS = 3
NAB_PROFILE = "standard"


def assign_folds(keys: Sequence[tuple[str, str]], k: int) -> dict[str, int]:
    """(group, name) pairs to folds 0..k-1: position within the group, sorted by name, mod k."""
    if k == 0:  # leave-one-series-out
        return {name: i for i, (_, name) in enumerate(sorted(keys))}
    folds: dict[str, int] = {}
    for group in sorted({g for g, _ in keys}):
        for i, name in enumerate(sorted(n for g, n in keys if g == group)):
            folds[name] = i % k
    return folds


def tcpd_table(root: Path, base: DetectorConfig) -> dict[tuple, dict[str, tuple[dict, list]]]:
    """Per offline (cost, penalty), per scored series: its row (f1, cover) and finding outcomes."""
    series = [s for s in load_tcpd(root) if s.scored]
    return {(cost, pen): {s.name: score_series(s, dataclasses.replace(
        base, offline_cost=cost, offline_penalty=pen)) for s in series} for cost, pen in OFFLINE_GRID}


def nab_table(files: Sequence[NabFile], base: DetectorConfig) -> dict[tuple, dict[str, tuple]]:
    """Per online penalty, per file: per-row anomaly scores and finding outcomes."""
    table: dict[float, dict[str, tuple]] = {}
    for ar1, pen in ONLINE_GRID:
        config = dataclasses.replace(base, penalty=pen, ar1_adjust=ar1)
        table[ar1, pen] = {}
        for f in files:
            scores, found = stream(f, config)
            table[ar1, pen][f.key] = (scores, finding_outcomes(f, found))
    return table


def tcpd_score(rows: dict[str, tuple[dict, list]], names: Sequence[str]) -> tuple[float, float]:
    """Mean F1 and covering over the named series."""
    return (float(np.mean([rows[n][0]["f1"] for n in names])),
            float(np.mean([rows[n][0]["cover"] for n in names])))


def nab_scores(files: Sequence[NabFile], scores: dict[str, tuple], profile: dict,
               threshold: float | None = None) -> tuple[dict[str, float], float]:
    """Normalised score per group at a threshold (NAB's optimum over these files if None)."""
    if threshold is None:
        threshold = best_threshold([(f.rows, scores[f.key][0]) for f in files], profile)
    out = {}
    for group in sorted({f.group for f in files}):
        members = [f for f in files if f.group == group]
        raw = sum(nab_file_score(f.rows, scores[f.key][0], threshold, profile) for f in members)
        out[group] = nab_normalized(raw, sum(f.rows.n_windows for f in members), profile)
    return out, threshold


def _pick(options: Sequence, objective: Callable) -> Any:
    """The option with the best objective; the first (smallest penalty) among equals."""
    return max(options, key=objective)


def pick_offline(table: dict, names: Sequence[str]) -> tuple[tuple[str, float], tuple[float, ...]]:
    """The table's offline (cost, penalty) with the best mean F1 + covering on the named series,
    and the offline confidence weights fitted on those series' findings at that setting."""
    off = _pick(list(table), lambda p: sum(tcpd_score(table[p], names)))
    return off, fit_confidence([o for n in names for o in table[off][n][1]])


def pick_online(table: dict, files: Sequence[NabFile], profile: dict) -> tuple[bool, float]:
    """The online penalty with the best mean over groups of NAB's normalised score."""
    return _pick(ONLINE_GRID,
                 lambda p: float(np.mean(list(nab_scores(files, table[p], profile)[0].values()))))


def _nab_outcomes(nab: dict, keys: Sequence[str]) -> list:
    """Pooled (finding, hit) outcomes of the named NAB files."""
    return [o for k in keys for o in nab[k][1]]


def fit_confidence(outcomes: Sequence) -> tuple[float, ...]:
    """Confidence weights fitted on (finding, hit) outcomes."""
    return fit_weights([finding_features(f) for f, _ in outcomes], [h for _, h in outcomes])


def _spread(values: Sequence[float]) -> dict:
    """Per-fold values with their mean and standard deviation."""
    vals = [float(v) for v in values]
    return {"folds": vals, "mean": float(np.mean(vals)), "sd": float(np.std(vals))}


def _train_online(held: set[str], nab: dict, files: Sequence[NabFile],
                  profile: dict) -> tuple[tuple[bool, float], tuple[float, ...]]:
    """Online setting and its confidence weights, chosen on every NAB file outside held."""
    n_train = [f for f in files if f.key not in held]
    on = pick_online(nab, n_train, profile)
    return on, fit_confidence(_nab_outcomes(nab[on], [f.key for f in n_train]))


def _judge(weights: tuple[float, ...], outcomes: Sequence) -> list[tuple[float, bool]]:
    """(confidence, hit) of held-out findings under weights fitted without them."""
    return [(logistic(weights, finding_features(f)), hit) for f, hit in outcomes]


CHOICES = ("offline_cost", "offline_penalty", "ar1_adjust", "penalty")


def _choice(off: tuple[str, float], on: tuple[bool, float]) -> dict:
    """The settings one training set chose, by name."""
    return {"offline_cost": off[0], "offline_penalty": off[1], "ar1_adjust": on[0], "penalty": on[1]}


def _fold(k: int, folds: dict[str, int], tcpd: dict, nab: dict, files: Sequence[NabFile],
          profile: dict) -> tuple[dict, list, list]:
    """Choose on the other folds, score on fold k; its figures and OOF (online, offline) pairs."""
    names = list(next(iter(tcpd.values())))
    t_test = [n for n in names if folds[n] == k]
    n_train = [f for f in files if folds[f.key] != k]
    n_test = [f for f in files if folds[f.key] == k]
    off, off_w = pick_offline(tcpd, [n for n in names if folds[n] != k])
    on, on_w = _train_online({f.key for f in n_test}, nab, files, profile)
    f1, cover = tcpd_score(tcpd[off], t_test)
    own, _ = nab_scores(n_test, nab[on], profile)
    _, train_threshold = nab_scores(n_train, nab[on], profile)
    carried, _ = nab_scores(n_test, nab[on], profile, train_threshold)
    online = _judge(on_w, _nab_outcomes(nab[on], [f.key for f in n_test]))
    offline = _judge(off_w, [o for n in t_test for o in tcpd[off][n][1]])
    figures = {**_choice(off, on), "tcpd_f1": f1, "tcpd_cover": cover,
               **{f"nab_{g}": v for g, v in own.items()},
               **{f"nab_{g}_train_threshold": v for g, v in carried.items()}}
    return figures, online, offline


def _kfold(k: int, folds: dict[str, int], tcpd: dict, nab: dict, files: Sequence[NabFile],
           profile: dict) -> dict:
    """Out-of-fold figures of k folds, each with its spread over folds."""
    per_fold, online, offline = [], [], []
    for fold in range(k):
        figures, on_pairs, off_pairs = _fold(fold, folds, tcpd, nab, files, profile)
        per_fold.append(figures)
        online += on_pairs
        offline += off_pairs
    measures = [m for m in per_fold[0] if m not in CHOICES]
    return {"folds": k,
            "chosen_per_fold": [{m: f[m] for m in CHOICES} for f in per_fold],
            "scores": {m: _spread([f[m] for f in per_fold]) for m in measures},
            "confidence_oof": calibration_summary(online),
            "offline_confidence_oof": calibration_summary(offline)}


def _loso(tcpd: dict, nab: dict, files: Sequence[NabFile], profile: dict) -> dict:
    """Leave-one-series-out figures: TCPD per series, NAB pooled over the held-out files."""
    rows, online, offline, scores, carried_raw, chosen = [], [], [], {}, {}, []
    names = list(next(iter(tcpd.values())))
    for name in names:
        off, off_w = pick_offline(tcpd, [n for n in names if n != name])
        rows.append(tcpd[off][name][0])
        offline += _judge(off_w, tcpd[off][name][1])
        chosen.append({"offline_cost": off[0], "offline_penalty": off[1]})
    for f in files:
        on, on_w = _train_online({f.key}, nab, files, profile)
        scores[f.key] = nab[on][f.key]
        online += _judge(on_w, nab[on][f.key][1])
        _, threshold = nab_scores([g for g in files if g.key != f.key], nab[on], profile)
        carried_raw[f.key] = nab_file_score(f.rows, scores[f.key][0], threshold, profile)
        chosen.append({"ar1_adjust": on[0], "penalty": on[1]})
    own, _ = nab_scores(files, scores, profile)
    groups = sorted({f.group for f in files})
    carried = {g: nab_normalized(sum(carried_raw[f.key] for f in files if f.group == g),
                                 sum(f.rows.n_windows for f in files if f.group == g), profile)
               for g in groups}
    pooled = {**{f"nab_{g}": {"mean": v} for g, v in own.items()},
              **{f"nab_{g}_train_threshold": {"mean": v} for g, v in carried.items()}}
    return {"folds": 0, "chosen_per_fold": chosen,
            "scores": {"tcpd_f1": _spread([r["f1"] for r in rows]),
                       "tcpd_cover": _spread([r["cover"] for r in rows]), **pooled},
            "confidence_oof": calibration_summary(online),
            "offline_confidence_oof": calibration_summary(offline)}


def offline_costs(table: dict, k: int) -> dict:
    """TCPD out of fold per offline cost (penalty chosen in fold), and with the cost chosen in fold."""
    # how the cost was compared, and the stricter figure of choosing it per fold as well
    names = list(next(iter(table.values())))
    folds = assign_folds([("tcpd", n) for n in names], k)
    out = {}
    for label, costs in [*((c, (c,)) for c in OFFLINE_COSTS), ("chosen in fold", OFFLINE_COSTS)]:
        sub = {key: rows for key, rows in table.items() if key[0] in costs}
        held = [tcpd_score(sub[pick_offline(sub, [n for n in names if folds[n] != f])[0]],
                           [n for n in names if folds[n] == f]) for f in sorted(set(folds.values()))]
        out[label] = {"tcpd_f1": float(np.mean([h[0] for h in held])),
                      "tcpd_cover": float(np.mean([h[1] for h in held]))}
    return out


def crossvalidate(root: Path, base: DetectorConfig = DetectorConfig(), k: int = FOLDS) -> dict:
    """k-fold CV (k = 0: leave-one-series-out) of the penalties and confidence weights, with
    leave-one-series-out beside k-fold under `loso`; the choice on all the data too."""
    files = load_nab(root / "nab")
    profile = load_profiles(root / "nab")[NAB_PROFILE]
    every_cost = tcpd_table(root / "tcpd", base)
    tcpd = {key: rows for key, rows in every_cost.items() if key[0] == base.offline_cost}
    nab = nab_table(files, base)
    keys = [("tcpd", n) for n in next(iter(tcpd.values()))] + [(f.group, f.key) for f in files]
    loso = _loso(tcpd, nab, files, profile)
    result = loso if k == 0 else _kfold(k, assign_folds(keys, k), tcpd, nab, files, profile)
    names = list(next(iter(tcpd.values())))
    (off, off_w), on = pick_offline(tcpd, names), pick_online(nab, files, profile)
    on_w = fit_confidence(_nab_outcomes(nab[on], [f.key for f in files]))
    return {
        **result, "loso": loso,
        "offline_costs": {"kfold": offline_costs(every_cost, k), "loso": offline_costs(every_cost, 0)},
        "grid": {"offline_cost": [base.offline_cost], "offline_penalty": list(OFFLINE_PENALTIES),
                 "penalty": list(ONLINE_PENALTIES),
                 "ar1_adjust": list(ONLINE_AR1)},
        "chosen": {**_choice(off, on), "confidence_weights": list(on_w),
                   "offline_confidence_weights": list(off_w)},
        # the configured cost must also be the one all the shared data would choose
        "defaults_match": (off == (base.offline_cost, base.offline_penalty)
                           and pick_offline(every_cost, names)[0][0] == base.offline_cost
                           and on == (base.ar1_adjust, base.penalty)
                           and tuple(on_w) == tuple(base.confidence_weights)
                           and tuple(off_w) == tuple(base.offline_confidence_weights)),
    }
