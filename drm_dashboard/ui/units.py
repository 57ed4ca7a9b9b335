"""Numbers as a person reads them: the metric's unit on every value, honest words for no value."""

from __future__ import annotations

import math

from ..catalog import metric_info

NOT_REPORTED = "not reported"
NOT_APPLICABLE = "n/a"  # 0 / 0: the quantity has no value, it is not zero


def _missing(value: float | None) -> bool:
    return value is None or not math.isfinite(value)


def percent(value: float) -> str:
    """'42%' for a card; a dash when there is no value."""
    return "—" if _missing(value) else f"{value:.0f}%"


def count(value: float) -> str:
    """'1,234' for a card; a dash when there is no value."""
    return "—" if _missing(value) else f"{value:,.0f}"


def duration_ms(value: float) -> str:
    """'850 ms', '3.2 s', '4.5 min': the unit that keeps the number short."""
    if value >= 120_000:
        return f"{value / 60_000:,.1f} min"
    if value >= 1000:
        return f"{value / 1000:,.1f} s"
    return f"{value:.2f} ms" if value < 10 else f"{value:,.0f} ms"


def plain(value: float, unit: str = "") -> str:
    """Three significant figures with thousands separators, never exponent notation."""
    if value == 0:
        return f"0{unit}"
    digits = max(0, 2 - int(math.floor(math.log10(abs(value)))))
    return f"{value:,.{min(digits, 4)}f}{unit}"


def value_text(metric: str, value: float | None) -> str:
    """A value of a catalogued metric with its unit; 'not reported' when the source sent none."""
    if _missing(value):
        return NOT_REPORTED
    info = metric_info(metric)
    if info.kind == "percent":
        return f"{value:.1f}%" if abs(value) < 10 else f"{value:.0f}%"
    if info.kind in ("count", "counter"):
        return f"{value:,.0f}"
    if info.kind == "duration_ms":
        return duration_ms(value)
    return plain(value, info.suffix)


def ratio_text(numerator: float, denominator: float) -> str:
    """numerator / denominator in percent; 'n/a' for 0 / 0 and for missing parts."""
    if _missing(numerator) or _missing(denominator) or denominator == 0:
        return NOT_APPLICABLE
    return f"{100.0 * numerator / denominator:.0f}%"


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 worker', '2 workers' (or the given plural)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def change_text(metric: str, before: float, after: float) -> str:
    """'allocation time 2.4 ms -> 4.4 ms', units on both sides."""
    return f"{value_text(metric, before)} → {value_text(metric, after)}"
