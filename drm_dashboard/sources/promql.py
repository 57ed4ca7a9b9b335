"""A small client of Prometheus' HTTP query API: instant queries, errors as source health."""

from __future__ import annotations

import json
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import requests

from ..errors import AuthRejected, PayloadError, SourceUnavailable
from ..validation import http_base_url

QUERY_PATH = "/api/v1/query"
# an answer of the selected workers' series is tens of kB; far beyond is a query gone wrong
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
# queries of one tick in flight together: a tick waits for the slowest, not for their sum
_PARALLEL = 6


@dataclass(frozen=True)
class Sample:
    """One series of an instant vector: its labels and value."""

    labels: Mapping[str, str]
    value: float


def base_url(url: str) -> str:
    """scheme://host[:port][/path] without user info, query or fragment (they would reach logs)."""
    return http_base_url(url, "--prometheus-url")


class PromQLClient:
    """Runs instant queries; every failure is a SourceError subclass with a readable reason."""

    def __init__(self, url: str, *, bearer_token: str | None = None,
                 basic_auth: tuple[str, str] | None = None, timeout_s: float = 10.0,
                 session: requests.Session | None = None) -> None:
        self.base = base_url(url)
        self._session = session or requests.Session()
        self._headers = {"Accept": "application/json"}
        if bearer_token:
            self._headers["Authorization"] = f"Bearer {bearer_token}"
        self._auth = basic_auth
        self._timeout_s = timeout_s
        self.requests = 0  # queries sent, for the benchmark and the tests
        self._pool: ThreadPoolExecutor | None = None
        self._count_lock = threading.Lock()

    def query_all(self, queries: Sequence[str], at: float | None = None) -> list[list[Sample]]:
        """Several instant queries at once (Prometheus evaluates them in parallel); first error wins."""
        # with `at` (epoch seconds) every query reads the same instant, so a scrape landing between
        # two of them cannot show one counter before it and the other after
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=_PARALLEL, thread_name_prefix="drm-promql")
        return [f.result() for f in [self._pool.submit(self.query, q, at) for q in queries]]

    def query(self, promql: str, at: float | None = None) -> list[Sample]:
        """The instant vector (or scalar) promql evaluates to at `at`, or now."""
        data = self._post(promql, at)
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar" and isinstance(result, list):
            return [Sample({}, _value(result))]
        if kind != "vector" or not isinstance(result, list):
            raise PayloadError(f"Prometheus answered a {kind!r} to an instant query, not a vector")
        return [Sample(_labels(r), _value(r.get("value"))) for r in result if isinstance(r, dict)]

    def _post(self, promql: str, at: float | None = None) -> dict[str, Any]:
        with self._count_lock:  # queries of one tick run on several threads
            self.requests += 1
        try:
            # POST: a query naming a hundred worker ids is longer than some proxies allow in a URL
            form = {"query": promql} if at is None else {"query": promql, "time": f"{at:.3f}"}
            resp = self._session.post(self.base + QUERY_PATH, data=form,
                                      headers=self._headers, auth=self._auth, stream=True,
                                      timeout=(3.0, self._timeout_s), allow_redirects=False)
            with resp:
                body = self._read_capped(resp)
        except requests.ConnectionError:
            raise SourceUnavailable(f"cannot connect to Prometheus at {self.base}") from None
        except requests.Timeout:
            raise SourceUnavailable(f"Prometheus at {self.base} did not answer within "
                                    f"{self._timeout_s:g} s") from None
        except requests.RequestException as exc:
            raise SourceUnavailable(f"request to Prometheus failed: {type(exc).__name__}") from None
        return self._decode(resp.status_code, body)

    @staticmethod
    def _read_capped(resp: requests.Response) -> bytes:
        chunks, size = [], 0
        for chunk in resp.iter_content(64 * 1024):
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise PayloadError(f"Prometheus answer exceeds the {MAX_RESPONSE_BYTES:,}-byte limit")
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _decode(status: int, raw: bytes) -> dict[str, Any]:
        if status in (401, 403):
            raise AuthRejected(f"Prometheus rejected our credentials (HTTP {status})")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if status >= 500:
                raise SourceUnavailable(f"Prometheus error HTTP {status}")
            raise PayloadError(f"Prometheus answered HTTP {status} without a JSON body")
        if body.get("status") != "success":
            # 400 bad_data, 422 execution, 503 timeout or unavailable: Prometheus says which
            kind, error = body.get("errorType", "error"), str(body.get("error", ""))[:200]
            cls = SourceUnavailable if status >= 500 or kind == "timeout" else PayloadError
            raise cls(f"Prometheus query failed ({kind}): {error}")
        data = body.get("data")
        if not isinstance(data, dict):
            raise PayloadError("Prometheus answer has no data object")
        return data


def _labels(result: Mapping[str, Any]) -> dict[str, str]:
    metric = result.get("metric")
    if not isinstance(metric, dict):
        raise PayloadError("Prometheus series without a metric object")
    return {str(k): str(v) for k, v in metric.items()}


def _value(pair: Any) -> float:
    # [unix_time, "value"]; values are strings, NaN and +Inf included
    if not isinstance(pair, list) or len(pair) != 2:
        raise PayloadError(f"Prometheus sample is not [time, value]: {str(pair)[:60]}")
    try:
        return float(pair[1])
    except (TypeError, ValueError):
        raise PayloadError(f"Prometheus sample value {str(pair[1])[:40]!r} is not a number") from None


def by_label(samples: list[Sample], label: str) -> dict[str, float]:
    """label value -> sample value, finite samples only (NaN from 0/0 means not reported)."""
    return {s.labels.get(label, ""): s.value for s in samples if math.isfinite(s.value)}
