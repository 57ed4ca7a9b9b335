"""When the collector polls again after failures: a pure schedule, tested without a clock."""

from __future__ import annotations

from dataclasses import dataclass

# a rejected key is fixed by a person, not by the next second: wait a few seconds first, then
# double up to the cap (5, 10, 20, 40, 60 s), so a rotated key is picked up within a minute
AUTH_FIRST_S = 5.0
MAX_BACKOFF_S = 60.0


@dataclass(frozen=True)
class Backoff:
    """The poll interval while healthy; doubled per failure in a row up to max_s after failures."""

    interval_s: float
    max_s: float = MAX_BACKOFF_S
    auth_first_s: float = AUTH_FIRST_S

    def delay(self, failures: int, auth_failures: int = 0) -> float:
        """Seconds until the next poll after `failures` in a row, the last `auth_failures` of them 401/403."""
        if failures <= 0:
            return self.interval_s
        if auth_failures > 0:
            delay = self.auth_first_s * 2.0 ** min(auth_failures - 1, 16)
        else:
            delay = self.interval_s * 2.0 ** min(failures - 1, 16)
        # never faster than the interval, never slower than the cap (or the interval, if longer)
        return max(self.interval_s, min(delay, max(self.max_s, self.interval_s)))
