"""What every command line of the project shares: one-line errors and SIGTERM as Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from typing import Any, NoReturn


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


def configure_logging(debug: bool = False) -> None:
    """One log format for every command: time, level, logger, message."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
