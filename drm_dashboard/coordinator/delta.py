"""The snapshot's body: only the workers whose readings changed since a client's cursor, gzipped."""

from __future__ import annotations

import gzip
import threading
from typing import Any, Iterable

import orjson

# a client whose cursor is older than the oldest removal we remember gets the whole fleet
MAX_TOMBSTONES = 100_000
# below this, gzip's header and the time to deflate cost more than the bytes they save
GZIP_MIN_BYTES = 1024
# level 1: about 5x smaller JSON at a fraction of level 6's time (the client waits for it)
GZIP_LEVEL = 1


class WorkerChanges:
    """Numbers each worker's readings by the change they last differed at; thread-safe."""

    # Each worker entry is encoded once per snapshot request and compared, as bytes, with the
    # entry last seen: unchanged workers are neither compared field by field nor encoded again
    # for the answer. A worker that leaves is remembered (a tombstone) so a delta can say so.

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seq = 0
        self._encoded: dict[str, tuple[bytes, bytes]] = {}  # id -> (JSON key, JSON entry)
        self._version: dict[str, int] = {}
        self._removed: dict[str, int] = {}
        self._floor = 0  # removals at or before this seq may have been forgotten

    def observe(self, workers: dict[str, Any]) -> int:
        """Record the fleet as it is now; return the change number it is current at."""
        with self._lock:
            next_seq, changed = self.seq + 1, False
            encoded, version = self._encoded, self._version
            for wid, entry in workers.items():
                body = orjson.dumps(entry)
                old = encoded.get(wid)
                if old is None or old[1] != body:
                    encoded[wid] = (orjson.dumps(wid) if old is None else old[0], body)
                    version[wid] = next_seq
                    self._removed.pop(wid, None)
                    changed = True
            gone = [wid for wid in encoded if wid not in workers] if len(encoded) > len(workers) \
                or changed else []
            for wid in gone:
                del encoded[wid], version[wid]
                self._removed[wid] = next_seq
                changed = True
            self._forget_old_removals()
            if changed:
                self.seq = next_seq
            return self.seq

    def _forget_old_removals(self) -> None:
        while len(self._removed) > MAX_TOMBSTONES:
            wid = next(iter(self._removed))  # insertion order: the oldest removal first
            self._floor = max(self._floor, self._removed.pop(wid))

    def since(self, cursor: int) -> tuple[bool, list[bytes], list[str]]:
        """(is a delta, encoded `"id":entry` members, removed ids) for a client at cursor."""
        with self._lock:
            full = cursor <= self._floor or cursor > self.seq
            members = [key + b":" + body for wid, (key, body) in self._encoded.items()
                       if full or self._version[wid] > cursor]
            removed = [] if full else [w for w, s in self._removed.items() if s > cursor]
            return not full, members, removed


def snapshot_body(head: dict[str, Any], statistics: dict[str, Any], members: Iterable[bytes]) -> bytes:
    """The snapshot JSON with statistics.workers spliced in from already encoded members."""
    stats = {k: v for k, v in statistics.items() if k != "workers"}
    stats["workers"] = {}
    # statistics last in the answer and workers last in it: the body ends with `{}}}`, and the
    # members go between that `{` and its `}`
    encoded = orjson.dumps({**{k: v for k, v in head.items() if k != "statistics"}, "statistics": stats})
    at = len(encoded) - 3
    return encoded[:at] + b",".join(members) + encoded[at:]


def compress(body: bytes, accept_encoding: str) -> tuple[bytes, dict[str, str]]:
    """The body gzipped when the client accepts it and it is worth it, with its headers."""
    headers = {"Content-Type": "application/json", "Vary": "Accept-Encoding"}
    if len(body) >= GZIP_MIN_BYTES and _accepts_gzip(accept_encoding):
        headers["Content-Encoding"] = "gzip"
        return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0), headers
    return body, headers


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            q = params.strip().lower()
            return not (q.startswith("q=") and _q(q[2:]) == 0.0)
    return False


def _q(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 1.0
