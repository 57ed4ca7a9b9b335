"""CoordinatorSource: poll a coordinator's HTTP API v1, one request per tick, with a cursor."""

from __future__ import annotations

import collections
import json
import math
import threading
from dataclasses import fields, replace
from typing import Any

import orjson
import requests

from ..errors import AuthRejected, PayloadError, SourceUnavailable
from ..models import ScalingDecision, Snapshot
from ..policy import ScalingPolicy
from ..validation import http_base_url
from ..worker_columns import WorkerColumns

SNAPSHOT_PATH = "/api/v1/snapshot"
# the cap on a (decompressed) answer: a floor that fits a first poll of about 40,000 workers
# (about 400 bytes each), raised to WORKER_ALLOWANCE per worker of the largest fleet seen, so a
# growing fleet never trips it and a broken or hostile peer still cannot fill memory
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
WORKER_ALLOWANCE = 8 * 1024
_CHUNK = 64 * 1024
# scaling verdicts kept for the Scaling tab (the reference coordinator keeps as many)
EVALUATIONS_KEPT = 2000


def _reject_constant(name: str) -> float:
    # json accepts NaN and Infinity by default; the API's JSON never carries them
    raise PayloadError(f"response holds {name}, which is not a number in JSON")


class CoordinatorSource:
    """Reads statistics, performance and the decisions after its cursor in one round trip."""

    def __init__(self, url: str, api_key: str | None = None, *, connect_timeout_s: float = 3.0,
                 read_timeout_s: float = 10.0, max_bytes: int = MAX_RESPONSE_BYTES,
                 session: requests.Session | None = None, ca_bundle: str | None = None) -> None:
        # credentials in a URL would end up in logs and on the page: keep only scheme, host, path
        self._base = http_base_url(url, "coordinator URL")
        self._headers = {"Accept": "application/json"}
        if api_key:
            self._headers["X-API-Key"] = api_key
        self._timeouts = (connect_timeout_s, read_timeout_s)
        self._max_bytes = max_bytes
        self._session = session or requests.Session()
        # certificates are always verified; a bundle names whom to trust, and is passed per request
        # because REQUESTS_CA_BUNDLE in the environment would override a session's setting
        self._verify: str | bool = ca_bundle or True
        self.cursor = 0
        self.instance: str | None = None
        # the fleet as last validated, and the coordinator's change number it is current at
        self.changes_cursor = 0
        self._fleet: WorkerColumns | None = None
        self._largest_fleet = 0
        # every evaluation's verdict (maintain included), for a coordinator that sends them
        self.evaluations_cursor = 0
        self._evaluations: collections.deque[ScalingDecision] | None = None
        self._evaluations_lock = threading.Lock()  # the collector appends while a page reads
        self._policy: ScalingPolicy | None = None

    @property
    def description(self) -> str:
        return f"coordinator {self._base}"

    def snapshot(self) -> Snapshot:
        """GET /api/v1/snapshot?since=cursor; every failure is a SourceError with a readable reason."""
        data = self._decode(self._fetch())
        instance = data.get("instance") if isinstance(data, dict) else None
        if self.instance is not None and instance != self.instance and (self.cursor or self.changes_cursor):
            # a restarted coordinator numbers decisions and changes from 1 again: read them all
            self.cursor = self.changes_cursor = self.evaluations_cursor = 0
            data = self._decode(self._fetch())
        snap = self._validate(data)
        snap, changes = self._with_fleet(snap, data)
        verdicts, policy = _evaluations(data), _policy(data)
        self.instance = instance
        # advance only after validation: a rejected payload is asked for again, losing nothing
        self.cursor = max([self.cursor, *(d.seq for d in snap.decisions)])
        self._fleet, self.changes_cursor = snap.workers, changes
        self._largest_fleet = max(self._largest_fleet, len(snap.workers), snap.total_workers)
        if verdicts is not None:
            self._keep_evaluations(*verdicts)
        if policy is not None:
            self._policy = policy
        return snap

    def _keep_evaluations(self, verdicts: list[ScalingDecision], number: int) -> None:
        with self._evaluations_lock:
            if self._evaluations is None:
                self._evaluations = collections.deque(maxlen=EVALUATIONS_KEPT)
            self._evaluations.extend(verdicts)
        self.evaluations_cursor = number

    def reported_policy(self) -> ScalingPolicy | None:
        """The scaling policy the coordinator last said it applies; None: it does not say."""
        return self._policy

    def recent_evaluations(self) -> list[ScalingDecision] | None:
        """The coordinator's latest scaling evaluations, oldest first; None: it does not send them."""
        with self._evaluations_lock:
            return None if self._evaluations is None else list(self._evaluations)

    @property
    def max_bytes(self) -> int:
        """The largest answer read: the floor, or the allowance for the largest fleet seen."""
        return max(self._max_bytes, WORKER_ALLOWANCE * self._largest_fleet)

    def _with_fleet(self, snap: Snapshot, data: dict) -> tuple[Snapshot, int]:
        """The snapshot with the whole fleet (a delta merged into the last one) and its cursor."""
        changes = data.get("workers_seq")
        if type(changes) is not int or changes < 0:
            return snap, 0  # a coordinator without deltas: every answer is the whole fleet
        if data.get("delta") is not True:
            return snap, changes
        removed = data.get("removed", [])
        if not isinstance(removed, list) or not all(isinstance(r, str) for r in removed):
            raise PayloadError("response.removed: expected a list of worker ids")
        if self._fleet is None or not isinstance(snap.workers, WorkerColumns):
            self.changes_cursor = 0  # nothing to apply it to: ask for the whole fleet next time
            raise PayloadError("response is a delta, but no earlier fleet is held to apply it to")
        return replace(snap, workers=self._fleet.merged(snap.workers, removed)), changes

    def _fetch(self) -> bytes:
        try:
            # no redirects: the key header would follow them to whatever host they name
            params = {"since": self.cursor, "changes_since": self.changes_cursor,
                      "evaluations_since": self.evaluations_cursor}
            resp = self._session.get(self._base + SNAPSHOT_PATH, params=params,
                                     headers=self._headers, timeout=self._timeouts, stream=True,
                                     allow_redirects=False, verify=self._verify)
        except requests.exceptions.SSLError as exc:
            raise SourceUnavailable(f"the TLS certificate of {self._base} is not trusted "
                                    f"({_tls_reason(exc)}); pass --ca-bundle with its CA") from None
        except requests.RequestException as exc:
            raise SourceUnavailable(plain_reason(exc, self._timeouts)) from None
        with resp:
            self._check_status(resp)
            return self._read_capped(resp)

    def _check_status(self, resp: requests.Response) -> None:
        if resp.status_code in (401, 403):
            raise AuthRejected(f"the coordinator rejected the API key (HTTP {resp.status_code})")
        if resp.status_code >= 500:
            raise SourceUnavailable(f"coordinator error HTTP {resp.status_code}")
        if 300 <= resp.status_code < 400:
            raise PayloadError(f"the coordinator redirected (HTTP {resp.status_code}); the key is not "
                               "sent on: point --drm-url at the final address")
        if resp.status_code != 200:
            raise PayloadError(f"unexpected HTTP {resp.status_code} from {SNAPSHOT_PATH}")

    def _read_capped(self, resp: requests.Response) -> bytes:
        declared = resp.headers.get("Content-Length")
        cap = self.max_bytes
        # Content-Length counts the bytes sent (gzipped, perhaps); the cap counts decoded bytes
        if declared and declared.isdigit() and int(declared) > cap:
            raise PayloadError(f"response of {int(declared):,} bytes exceeds the {cap:,}-byte limit")
        chunks, size = [], 0
        try:
            for chunk in resp.iter_content(_CHUNK):
                size += len(chunk)
                if size > cap:
                    raise PayloadError(f"response exceeds the {cap:,}-byte limit")
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise SourceUnavailable(plain_reason(exc, self._timeouts)) from None
        return b"".join(chunks)

    @staticmethod
    def _decode(body: bytes) -> Any:
        try:
            # orjson: strict JSON (no NaN or Infinity) at about half json.loads' time
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
        try:  # the error path: the standard parser names what is wrong
            json.loads(body, parse_constant=_reject_constant)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PayloadError(f"response is not JSON ({exc.msg if hasattr(exc, 'msg') else exc})") from None
        except RecursionError:
            raise PayloadError("response nests JSON too deeply to be a snapshot") from None
        raise PayloadError("response is not JSON")

    @staticmethod
    def _validate(data: Any) -> Snapshot:
        if not isinstance(data, dict):
            raise PayloadError(f"response: expected an object, got {type(data).__name__}")
        for key in ("statistics", "performance"):
            if key not in data:
                raise PayloadError(f"response.{key}: missing")
        return Snapshot.from_json(data["statistics"], data["performance"], data.get("decisions", []))


def _evaluations(data: dict) -> tuple[list[ScalingDecision], int] | None:
    """The verdicts of an answer and their cursor; None from a coordinator that sends none."""
    raw, number = data.get("evaluations"), data.get("evaluations_seq")
    if raw is None:
        return None  # a coordinator older than the field: "not reported", never an error
    if not isinstance(raw, list):
        raise PayloadError("response.evaluations: expected a list")
    if type(number) is not int or number < 0:
        raise PayloadError("response.evaluations_seq: expected a whole number >= 0")
    return [ScalingDecision.from_json(d, f"evaluations[{i}]") for i, d in enumerate(raw)], number


def _policy(data: dict) -> ScalingPolicy | None:
    """The answer's scaling policy; None from a coordinator that sends none."""
    raw = data.get("policy")
    if raw is None:
        return None
    names = [f.name for f in fields(ScalingPolicy)]
    # keys a newer coordinator adds are ignored (the field is additive); ours must all be there
    if not isinstance(raw, dict) or not set(names) <= set(raw):
        raise PayloadError(f"response.policy: expected an object with {', '.join(names)}")
    values = {k: raw[k] for k in names}
    if not all(type(v) in (int, float) for v in values.values()):
        raise PayloadError("response.policy: every field must be a number")
    if any(values[k] != int(values[k]) for k in names if k.endswith("_workers") and math.isfinite(values[k])):
        raise PayloadError("response.policy: min_workers and max_workers must be whole numbers")
    try:
        return ScalingPolicy(**{k: (int(v) if k.endswith("_workers") else float(v)) for k, v in values.items()})
    except (ValueError, OverflowError) as exc:
        raise PayloadError(f"response.policy: {exc}") from None


def _causes(exc: BaseException, depth: int = 8) -> list[BaseException]:
    """exc and what it wraps (causes, contexts, urllib3's .reason, exceptions in args)."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < depth * 4:
        e = todo.pop()
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [e.__cause__, e.__context__, getattr(e, "reason", None),
                 *(a for a in e.args if isinstance(a, BaseException))]
    return [e for e in seen if isinstance(e, BaseException)]


def _tls_reason(exc: BaseException) -> str:
    """'certificate verify failed: unable to get local issuer certificate' out of requests' wrapping."""
    text = str(exc)
    start = text.find("certificate verify failed")
    return text[start:].split("(_ssl")[0].strip() if start >= 0 else _short(exc)


def _short(exc: BaseException) -> str:
    """The last line of a requests error, without the URL's query or a Python repr."""
    text = str(exc).splitlines()[-1] if str(exc) else type(exc).__name__
    return text if len(text) < 160 else text[:157] + "..."


def plain_reason(exc: BaseException, timeouts: tuple[float, float] = (3.0, 10.0)) -> str:
    """What went wrong talking to the coordinator, in words a person reads (never a repr)."""
    # the one place a transport failure becomes text: the header and the health log show this
    chain = _causes(exc)
    kinds = tuple(type(e).__name__ for e in chain)
    if isinstance(exc, requests.ConnectTimeout):
        return f"timed out connecting after {timeouts[0]:g} s"
    if isinstance(exc, requests.Timeout) or "ReadTimeoutError" in kinds:
        return f"timed out after {timeouts[1]:g} s"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused"
    if any(isinstance(e, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)) for e in chain) \
            or "RemoteDisconnected" in kinds or "ProtocolError" in kinds \
            or isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the coordinator closed the connection"
    if "NameResolutionError" in kinds or "gaierror" in kinds:
        return "host name not found"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed (certificate or protocol)"
    if isinstance(exc, requests.ConnectionError):
        return "cannot connect"
    return f"request failed ({type(exc).__name__})"
