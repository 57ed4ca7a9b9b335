"""The fleet the stack tests build: its key, its workers and the scrape config that reads them."""

KEY = "stack-key-91c4"
CPU = {"cpu": {"cores": 4}, "memory": {"total_mb": 4096}}
# what each worker's agent reports; w1 also has a node-exporter, whose reading wins
REPORTED = {"w0": (0.1, 0.25), "w1": (0.2, 0.0), "w2": (0.3, 0.5)}


def scrape_jobs(coordinator_port: int, node_address: str) -> list[dict]:
    """The README's scrape config: the coordinator with its key, node-exporter labelled by worker."""
    return [{"job_name": "drm-coordinator",
             "authorization": {"type": "Bearer", "credentials": KEY},
             "static_configs": [{"targets": [f"127.0.0.1:{coordinator_port}"]}]},
            {"job_name": "node",
             "static_configs": [{"targets": [node_address], "labels": {"worker_id": "w1"}}]}]
