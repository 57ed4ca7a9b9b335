"""What every command line of the project shares: one-line errors and SIGTERM as Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import math
import signal
import threading
from typing import Any, Callable, NoReturn

from .validation import display_text


class OneLineParser(argparse.ArgumentParser):
    """Bad input gets one line naming what is wrong, and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def stop_on_sigterm() -> None:
    """Make SIGTERM shut down like Ctrl-C (clean stop, history flushed); main thread only."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


def bounded(lo: float, hi: float) -> Callable[[str], float]:
    """An argparse type: a finite number in [lo, hi] (nan, inf and 1e-9 seconds are typos)."""
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {raw!r}") from None
        if not (math.isfinite(value) and lo <= value <= hi):
            raise argparse.ArgumentTypeError(f"must be a finite number between {lo:g} and {hi:g}, "
                                             f"got {raw!r}")
        return value
    parse.__name__ = "number"
    return parse


class OneLineFormatter(logging.Formatter):
    """A log message stays one line: control characters in it (a forged newline) are replaced."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        record.message = display_text(record.message, 10_000)
        return super().formatMessage(record)


def configure_logging(debug: bool = False) -> None:
    """One log format for every command: time, level, logger, message (one line each)."""
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO, handlers=[handler])
