"""The integration demo: a seeded workload on a real manager, priced by the local cloud, then every chart."""

from __future__ import annotations

import argparse
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .cli_common import OneLineParser, command, configure_logging, parse_settings, stop_on_sigterm
from .config import check_port
from .environment import FromEnvironment
from .errors import ConfigError
from .manager import DynamicResourceManager, Workload, WorkloadConfig, WorkloadDriver
from .manager.cloud import LocalCloudProvider
from .manager.cloud_config import CloudConfig, demo_config
from .report.png import quiet_browser_logs
from .report.visualization import DRMVisualization

log = logging.getLogger(__name__)

# one sample per this many simulated seconds, as the live dashboard's default interval
SAMPLE_S = 5.0
DRIVER_STEP_S = 0.1


class DemoClock:
    """Simulated time `speed` times faster than real time; it reaches the wall clock when the run ends."""

    def __init__(self, duration_s: float, speed: float, real: Callable[[], float] = time.time) -> None:
        self._real = real
        self._r0 = real()
        self.speed = speed
        # start far enough back that the run's last simulated instant is "now": charts read as recent
        self._s0 = self._r0 + duration_s - duration_s * speed
        self._frozen: float | None = None

    def __call__(self) -> float:
        if self._frozen is not None:
            return self._frozen
        real = self._real()
        # never ahead of the wall clock, even when the run's end is noticed late on a busy machine
        return min(self._s0 + (real - self._r0) * self.speed, real)

    def freeze(self) -> None:
        """Stop time at its current value: costs and charts drawn after the run agree."""
        self._frozen = self()


@dataclass
class DemoRun:
    """What a run produced: the chart files, the dashboard page, the live URL (if serving)."""

    visualization: DRMVisualization
    charts: dict[str, Path] = field(default_factory=dict)
    dashboard: Path | None = None
    url: str | None = None



@dataclass(frozen=True)
class DemoSettings(FromEnvironment):
    """Every knob of the integration demo: flag > DRM_DEMO_* > default."""

    env_prefix = "DRM_DEMO_"
    interactive: bool = False
    dashboard: bool = False
    output_dir: str = "./visualization_output"
    duration: float = 30.0
    speed: float = 60.0
    seed: int = 0
    port: int = 8889
    host: str = "localhost"
    theme: str = "light"
    cloud_rates: str | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.duration) and self.duration > 0):
            raise ConfigError(f"--duration must be above 0 seconds, got {self.duration:g}")
        if not (math.isfinite(self.speed) and self.speed >= 1):
            raise ConfigError(f"--speed must be at least 1, got {self.speed:g}")
        check_port(self.port)
        if self.theme not in ("light", "dark"):
            raise ConfigError(f"--theme must be light or dark, got {self.theme!r}")


def build_parser(prog: str) -> argparse.ArgumentParser:
    """The flags; unset ones stay None so the environment can fill them."""
    p = OneLineParser(prog=prog, description="Run a seeded, simulated workload against a real "
                       "DynamicResourceManager priced by the local cloud provider, then write every chart.")
    p.add_argument("--interactive", action="store_true", default=None,
                   help="write HTML charts (default: PNG images)")
    p.add_argument("--dashboard", action="store_true", default=None,
                   help="serve the live dashboard while the workload runs, and after it until Ctrl-C")
    p.add_argument("--output-dir", help="where files go (default: ./visualization_output)")
    p.add_argument("--duration", type=float, help="seconds to run the workload (default: 30)")
    p.add_argument("--speed", type=float,
                   help="simulated seconds per real second (default: 60: 30 s show half an hour)")
    p.add_argument("--seed", type=int, help="workload seed (default: 0)")
    p.add_argument("--port", type=int, help="live dashboard port (default: 8889; 0: any free port)")
    p.add_argument("--host", help="live dashboard host (default: localhost)")
    p.add_argument("--theme", choices=("light", "dark"), help="chart theme (default: light)")
    p.add_argument("--cloud-rates", help="hourly rates file (.json or .toml) instead of the demo's rates")
    return p


def build_demo(args: DemoSettings) -> tuple[DRMVisualization, WorkloadDriver, DemoClock]:
    """Manager, cloud, workload and visualization on one demo clock; nothing started yet."""
    clock = DemoClock(args.duration, args.speed)
    manager = DynamicResourceManager(clock=clock)
    rates = CloudConfig.load(args.cloud_rates) if args.cloud_rates else demo_config()
    cloud = LocalCloudProvider(manager, rates, clock=clock)
    # the workload provisions through the cloud: every machine it starts is priced
    workload = Workload(cloud.provisioning_manager(), WorkloadConfig(seed=args.seed), clock=clock)
    viz = DRMVisualization(manager, cloud, output_dir=args.output_dir, dashboard_port=args.port,
                           update_interval=max(SAMPLE_S / args.speed, 0.05),
                           interactive=args.interactive, theme=args.theme, host=args.host, clock=clock)
    return viz, WorkloadDriver(workload, interval_s=DRIVER_STEP_S), clock


def run_demo(args: DemoSettings, stop: threading.Event | None = None) -> DemoRun:
    """Run the workload for args.duration (or until stop), then write every chart and the dashboard."""
    viz, driver, clock = build_demo(args)
    run = DemoRun(viz)
    try:
        run.url = viz.start_dashboard_server(port=args.port) if args.dashboard else None
        viz.start_collection()
        driver.start()
        try:
            (stop or threading.Event()).wait(args.duration)
        except KeyboardInterrupt:
            log.info("interrupted: writing the charts of what ran so far")
        finally:
            # the run ends now: joining threads on a busy machine must not add simulated time
            clock.freeze()
            driver.stop()
            driver.join(timeout=10)
            viz.stop_collection()
        if viz.live.view().last_timestamp != clock():
            viz.collect_once()  # the last instant, so the files end where the workload did
        run.charts = viz.create_all()
        run.dashboard = Path(viz.create_resource_dashboard())
    except BaseException:
        viz.cleanup()  # a failed run must not leave the server or the browser behind
        raise
    return run


@command("run_drm_integration_demo.py")
def main(argv: Sequence[str] | None, prog: str) -> int:
    """Run the demo; with --dashboard keep serving until Ctrl-C. Exit 2 on a bad flag or port."""
    args = parse_settings(build_parser(prog), DemoSettings, argv)
    configure_logging()
    quiet_browser_logs()
    stop_on_sigterm()
    print(f"running the workload for {args.duration:g} s ({args.duration * args.speed / 60:.0f} "
          f"simulated minutes)...", flush=True)
    run = run_demo(args)
    for name, path in run.charts.items():
        print(f"{name}: {path}")
    print(f"dashboard: {run.dashboard}", flush=True)
    try:
        if run.url:
            print(f"live dashboard at {run.url} (Ctrl-C to stop)", flush=True)
            forever = threading.Event()
            while not forever.wait(0.5):  # a timeout keeps Ctrl-C deliverable
                pass
    except KeyboardInterrupt:
        pass
    finally:
        run.visualization.cleanup()
    return 0
