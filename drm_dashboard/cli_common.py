"""What every command line of the project shares: one-line errors and SIGTERM as Ctrl-C."""

from __future__ import annotations

import argparse
import functools
import logging
import signal
import sys
import threading
from typing import Any, Callable, NoReturn, Sequence, TypeVar

from .environment import unknown_variables
from .errors import DashboardError
from .validation import display_text

S = TypeVar("S")
Main = Callable[..., int]


class OneLineParser(argparse.ArgumentParser):
    """Bad input gets one line naming what is wrong, and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_settings(parser: argparse.ArgumentParser, cls: type[S], argv: Sequence[str] | None,
                   environ: dict[str, str] | None = None) -> S:
    """Flags, then cls.resolve (flag > environment > default); a bad value exits 2 with one line.

    A variable under the command's prefix that no setting reads is a typo: one warning line each.
    """
    args = parser.parse_args(argv)
    try:
        settings = cls.resolve(vars(args), environ)  # type: ignore[attr-defined]
    except DashboardError as exc:
        parser.error(str(exc))
    for line in unknown_variables(cls.env_prefix, environ):  # type: ignore[attr-defined]
        sys.stderr.write(f"{parser.prog}: warning: {line}\n")
    return settings


def command(default_prog: str) -> Callable[[Main], Main]:
    """Decorate `main(argv, prog)`: a DashboardError becomes one line on stderr and exit status 2."""
    def wrap(body: Main) -> Main:
        @functools.wraps(body)
        def main(argv: Sequence[str] | None = None, prog: str = default_prog) -> int:
            try:
                return body(argv, prog)
            except DashboardError as exc:
                sys.stderr.write(f"{prog}: error: {exc}\n")
                return 2
        return main
    return wrap


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def stop_on_sigterm() -> None:
    """Make SIGTERM shut down like Ctrl-C (clean stop, history flushed); main thread only."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


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
