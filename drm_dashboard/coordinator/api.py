"""HTTP API v1 of the reference coordinator: a DynamicResourceManager served over Flask."""

from __future__ import annotations

import dataclasses
import hmac
import logging
import uuid
from typing import Any, Callable

import flask
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.exceptions import HTTPException

from .. import __version__
from ..manager import DynamicResourceManager
from ..validation import id_problem
from .delta import WorkerChanges, compress, snapshot_body
from .metrics import coordinator_registry

API_VERSION = 1
PREFIX = "/api/v1"
METRICS_PATH = "/metrics"
# a registration or heartbeat is a few hundred bytes; anything far larger is refused unread
MAX_BODY_BYTES = 64 * 1024
# verdicts in one answer: a first poll gets the newest this many (the dashboard shows 20)
EVALUATIONS_PER_ANSWER = 200
# cursors are echoed back in the JSON answer, whose integers are 64-bit
MAX_CURSOR = 2**63 - 1

log = logging.getLogger(__name__)


def _error(status: int, message: str) -> flask.Response:
    resp = flask.jsonify({"error": message})
    resp.status_code = status
    return resp


def _is_cursor(text: str) -> bool:
    """A cursor the answer can carry back: digits only, within JSON's 64-bit integers."""
    return text.isdigit() and len(text) <= 19 and int(text) <= MAX_CURSOR


def _presented_key() -> str | None:
    """The key from X-API-Key, or from `Authorization: Bearer <key>`."""
    key = flask.request.headers.get("X-API-Key")
    if key:
        return key
    scheme, _, token = flask.request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _key_matches(presented: str | None, expected: str) -> bool:
    # constant time in the key's content, so response timing says nothing about the key
    return presented is not None and hmac.compare_digest(presented.encode(), expected.encode())


def _json_body() -> dict[str, Any]:
    data = flask.request.get_json(silent=True)
    if not isinstance(data, dict):
        flask.abort(_error(400, "body must be a JSON object"))
    return data


def create_api(manager: DynamicResourceManager, api_key: str, *,
               clock: Callable[[], float], metrics_auth: bool = True) -> flask.Flask:
    """The coordinator's Flask app; every route but /health (and /metrics if opted out) needs the key."""
    if not api_key:
        raise ValueError("the coordinator needs an API key")
    app = flask.Flask("drm_coordinator")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @app.before_request
    def _auth() -> flask.Response | None:
        if flask.request.path == PREFIX + "/health":
            return None
        if flask.request.path == METRICS_PATH and not metrics_auth:
            return None
        if not _key_matches(_presented_key(), api_key):
            return _error(401, "missing or wrong API key")
        return None

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> flask.Response:
        # every answer of the API is JSON, a 404 or 405 too (clients parse it; no HTML page)
        resp = _error(exc.code or 500, exc.description or exc.name)
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                resp.headers[name] = value  # Allow: on a 405, as RFC 9110 asks
        return resp

    # a restarted coordinator numbers decisions from 1 again; clients see the new instance and rewind
    instance = uuid.uuid4().hex
    _register_read_routes(app, manager, clock, instance)
    _register_worker_routes(app, manager)
    _register_metrics_route(app, manager)
    return app


def _register_metrics_route(app: flask.Flask, manager: DynamicResourceManager) -> None:
    registry = coordinator_registry(manager)

    @app.get(METRICS_PATH)
    def metrics() -> flask.Response:
        return flask.Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


def _register_read_routes(app: flask.Flask, manager: DynamicResourceManager,
                          clock: Callable[[], float], instance: str) -> None:
    @app.get(PREFIX + "/health")
    def health() -> flask.Response:
        return flask.jsonify({"status": "ok", "version": __version__, "api_version": API_VERSION,
                              "time": clock()})

    changes = WorkerChanges()

    @app.get(PREFIX + "/snapshot")
    def snapshot() -> flask.Response:
        args = flask.request.args
        raw, since_changes = args.get("since", "0"), args.get("changes_since", "0")
        since_evaluations = args.get("evaluations_since")
        for name, value in (("since", raw), ("changes_since", since_changes),
                            ("evaluations_since", since_evaluations)):
            if value is not None and not _is_cursor(value):
                return _error(400, f"{name} must be a whole number from 0 to {MAX_CURSOR}, got {value!r:.40}")
        if args.get("full", "0") not in ("0", "1", "true", "false"):
            return _error(400, f"full must be 0, 1, true or false, got {args.get('full')!r:.40}")
        decisions = manager.decisions_since(int(raw))
        stats = manager.get_worker_statistics()
        workers_seq = changes.observe(stats["workers"])
        # changes_since=0 (or full=1) asks for every worker: a client's first poll, or its reset
        wanted = 0 if args.get("full") in ("1", "true") else int(since_changes)
        delta, members, removed = changes.since(wanted)
        head = {"api_version": API_VERSION, "instance": instance,
                "performance": manager.get_performance_metrics(),
                "decisions": [d.to_dict() for d in decisions],
                "seq": max([int(raw), *(d.seq for d in decisions)]),
                "workers_seq": workers_seq, "delta": delta, "removed": removed}
        if since_evaluations is not None:
            # every evaluation's verdict, maintain included, for clients that ask (an additive field)
            verdicts, head["evaluations_seq"] = manager.evaluations_since(int(since_evaluations),
                                                                          EVALUATIONS_PER_ANSWER)
            head["evaluations"] = [d.to_dict() for d in verdicts]
            # the numbers the verdicts apply, cooldowns among them ("blocked by cooldown, 140 s left")
            head["policy"] = dataclasses.asdict(manager.policy)
        body, headers = compress(snapshot_body(head, stats, members),
                                 flask.request.headers.get("Accept-Encoding", ""))
        return flask.Response(body, headers=headers)


def _register_worker_routes(app: flask.Flask, manager: DynamicResourceManager) -> None:
    @app.post(PREFIX + "/workers")
    def register() -> tuple[flask.Response, int]:
        body = _json_body()
        worker_id, resources = body.get("worker_id"), body.get("resources")
        if not isinstance(worker_id, str) or not isinstance(resources, dict):
            return _error(400, "body needs worker_id (string) and resources (object)"), 400
        problem = id_problem(worker_id)
        if problem is not None:
            return _error(400, f"worker_id: {problem}"), 400
        if resources.get("gpu") is not None and not isinstance(resources["gpu"], dict):
            return _error(400, "resources.gpu: expected an object or null"), 400
        try:
            # a worker registered over the API is expected to heartbeat: silence marks it lost
            manager.register_worker(worker_id, resources, expect_heartbeats=True)
        except ValueError as exc:
            return _error(400, str(exc)), 400
        log.info("worker %s registered", worker_id)
        return flask.jsonify({"worker_id": worker_id, "status": "registered"}), 201

    @app.post(PREFIX + "/workers/<worker_id>/heartbeat")
    def heartbeat(worker_id: str) -> tuple[flask.Response, int]:
        if id_problem(worker_id) is not None:
            return _error(400, f"worker_id: {id_problem(worker_id)}"), 400
        usage = _json_body().get("usage")
        if not isinstance(usage, dict):
            return _error(400, "body needs usage: {cpu, memory, gpu}"), 400
        try:
            manager.report_usage(worker_id, cpu=usage.get("cpu"), memory=usage.get("memory"),
                                 gpu=usage.get("gpu"))
        except KeyError:
            # after a coordinator restart the agent re-registers when it sees this
            return _error(404, f"unknown worker {worker_id!r}; register first"), 404
        except (TypeError, ValueError) as exc:
            return _error(400, str(exc)), 400
        return flask.jsonify({"worker_id": worker_id, "status": "ok"}), 200

    @app.delete(PREFIX + "/workers/<worker_id>")
    def deregister(worker_id: str) -> tuple[flask.Response, int]:
        if id_problem(worker_id) is not None:
            return _error(400, f"worker_id: {id_problem(worker_id)}"), 400
        try:
            manager.deregister_worker(worker_id)
        except KeyError:
            return _error(404, f"unknown worker {worker_id!r}"), 404
        log.info("worker %s deregistered", worker_id)
        return flask.jsonify({"worker_id": worker_id, "status": "deregistered"}), 200
