"""A programmable coordinator on a free loopback port, for the client's fault tests."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def payload(seq_from=0, n_decisions=0, workers=2, ts=1000.0):
    """A valid API v1 snapshot with `workers` workers and decisions seq_from+1..seq_from+n."""
    ws = {f"w{i}": {"status": "active", "tasks": 1,
                    "utilization": {"cpu": 0.5, "memory": 0.4, "gpu": None, "overall": 0.45},
                    "allocated": {"cpu": 0.6, "memory": 0.5, "gpu": None},
                    "resources": {"cpu": {"cores": 8, "available_cores": 3},
                                  "memory": {"total_mb": 8192, "available_mb": 4096}},
                    "last_heartbeat": ts} for i in range(workers)}
    return {"api_version": 1,
            "statistics": {"timestamp": ts, "total_workers": workers, "active_workers": workers,
                           "active_tasks": workers, "pending_tasks": 0, "resource_reservations": workers,
                           "overall_utilization": {"cpu": 0.5, "memory": 0.4, "gpu": None, "overall": 0.45},
                           "workers": ws},
            "performance": {"task_throughput": 1.0, "allocation_time_ms": 2.0, "queue_wait_ms": 5.0,
                            "resource_efficiency": 0.8, "tasks_completed": 10, "tasks_failed": 0},
            "decisions": [{"action": "scale_up", "count": 1, "reason": "busy", "utilization": 0.9,
                           "worker_ids": [], "timestamp": ts, "seq": s}
                          for s in range(seq_from + 1, seq_from + n_decisions + 1)]}


class FakeCoordinator:
    """Answers /api/v1/snapshot as told: a body, a status, a delay; records what it was asked."""

    def __init__(self):
        self.status = 200
        self.body: bytes = json.dumps(payload()).encode()
        self.delay_s = 0.0
        # when set, each request gets a fresh body (a coordinator whose clock moves)
        self.body_factory = None
        self.extra_headers: dict[str, str] = {}
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                fake.requests.append({"path": self.path, "headers": dict(self.headers)})
                time.sleep(fake.delay_s)
                if fake.body_factory is not None:
                    fake.body = fake.body_factory()
                try:
                    self.send_response(fake.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(fake.body)))
                    for name, value in fake.extra_headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(fake.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test); nothing to answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-coordinator",
                                        daemon=True)
        self._thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

