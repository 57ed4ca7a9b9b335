"""What a finding's confidence means as the product shows it: calibration on NAB's labelled windows.

`python -m drm_dashboard.evaluation.lifecycle --data-root DIR` streams every scored TCPD series and
every NAB file through the dashboard's OnlineDetector, one sample at a time, and pairs each finding
with whether it was real: within 5 samples of an annotated change (TCPD, as its F1 counts) or
confirmed inside a labelled anomaly window (NAB's rule). Each finding is paired twice: with its
confidence when first confirmed and once settled (revised as later samples arrived). The share of
real findings among those near a confidence of 0.7 is the plain-language reading of that number.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from drm_dashboard.analytics.changepoint_records import DetectorConfig
from drm_dashboard.analytics.online import OnlineDetector
from drm_dashboard.evaluation.calibration import calibration_summary
from drm_dashboard.evaluation.nab import NabFile, epoch, load_nab
from drm_dashboard.evaluation.tcpd import load_tcpd, matched_any
from drm_dashboard.cli_common import OneLineParser

NEAR = (0.6, 0.8)  # "about 0.7"

Pair = tuple[float, bool]


def stream(name: str, stamps: Sequence[float], values: Sequence[float], config: DetectorConfig
           ) -> list[tuple[int, int, float, float]]:
    """(row confirmed, index of the change, first confidence, settled confidence) per finding."""
    detector = OnlineDetector(name, higher_is_better=None, config=config)
    confirmed: list[tuple[int, int, float]] = []
    for row, (stamp, value) in enumerate(zip(stamps, values)):
        finding = detector.update(stamp, float(value))
        if finding is not None:
            confirmed.append((row, finding.index, finding.confidence))
    final = {f.index: f.confidence for f in detector.findings}
    return [(row, index, first, final[index]) for row, index, first in confirmed]


def stream_pairs(file: NabFile, config: DetectorConfig) -> tuple[list[Pair], list[Pair]]:
    """(confidence, inside a window) per scorable NAB finding: when confirmed, and once settled."""
    found = stream(file.key, [epoch(s) for s in file.stamps], file.values, config)
    kept = [(bool(file.rows.window[row] >= 0), a, b) for row, _, a, b in found if file.rows.scorable[row]]
    return [(a, real) for real, a, _ in kept], [(b, real) for real, _, b in kept]


def tcpd_pairs(root: Path, config: DetectorConfig) -> tuple[list[Pair], list[Pair]]:
    """(confidence, near an annotated change) per finding on the scored TCPD series."""
    first: list[Pair] = []
    settled: list[Pair] = []
    for series in load_tcpd(root):
        if not series.scored:
            continue
        x = series.values[:, 0]
        for _, index, a, b in stream(series.name, range(len(x)), x, config):
            real = matched_any(index, series.annotations)
            first.append((a, real))
            settled.append((b, real))
    return first, settled


def near(pairs: Sequence[Pair], lo: float = NEAR[0], hi: float = NEAR[1]) -> dict[str, Any]:
    """How many findings had a confidence in [lo, hi), and the share of them that were real."""
    inside = [real for c, real in pairs if lo <= c < hi]
    return {"range": [lo, hi], "findings": len(inside), "real": sum(inside),
            "real_share": sum(inside) / len(inside) if inside else None}


def nab_pairs(root: Path, config: DetectorConfig) -> tuple[list[Pair], list[Pair]]:
    """First and settled pairs over every NAB file under root."""
    first: list[Pair] = []
    settled: list[Pair] = []
    for file in load_nab(root):
        a, b = stream_pairs(file, config)
        first += a
        settled += b
    return first, settled


def _block(pairs: Sequence[Pair]) -> dict[str, Any]:
    return {**calibration_summary(pairs), "near_0.7": near(pairs)}


def calibrate(root: Path, config: DetectorConfig = DetectorConfig()) -> dict[str, Any]:
    """Calibration of first and settled confidences on root/tcpd and root/nab, each and pooled."""
    tracks = {}
    if (root / "tcpd" / "datasets").is_dir():
        tracks["tcpd"] = tcpd_pairs(root / "tcpd", config)
    if (root / "nab" / "data").is_dir():
        tracks["nab"] = nab_pairs(root / "nab", config)
    out: dict[str, Any] = {}
    for stage, k in (("confirmed", 0), ("settled", 1)):
        out[stage] = {name: _block(pairs[k]) for name, pairs in tracks.items()}
        out[stage]["pooled"] = _block([p for pairs in tracks.values() for p in pairs[k]])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Print the calibration as JSON (and write it with --out)."""
    p = OneLineParser(prog="python -m drm_dashboard.evaluation.lifecycle", description=__doc__.splitlines()[0])
    p.add_argument("--data-root", type=Path, required=True,
                   help="folder holding tcpd/ and nab/ (benchdata layout)")
    p.add_argument("--out", type=Path, help="write calibration.json here too")
    args = p.parse_args(argv)
    if not any((args.data_root / d).is_dir() for d in ("tcpd/datasets", "nab/data")):
        p.error(f"--data-root {args.data_root} has neither tcpd/datasets nor nab/data")
    result = calibrate(args.data_root)
    text = json.dumps(result, indent=2)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "calibration.json").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
