"""A recorded fleet for the report tests: a real manager driven by the seeded workload on a fake clock.

Every worker the workload starts goes through the local cloud provider, so costs are real; every
sample goes through the project's collector into a LiveStore, as in the live dashboard.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from drm_dashboard.manager import DynamicResourceManager, Workload, WorkloadConfig
from drm_dashboard.manager.cloud import LocalCloudProvider
from drm_dashboard.report.visualization import DRMVisualization
from drm_fakes import FakeClock

STEP_S = 5.0


@dataclass
class Fleet:
    """The parts of one recorded run, for tests to compare the reports against."""

    clock: FakeClock
    manager: DynamicResourceManager
    cloud: LocalCloudProvider
    workload: Workload
    viz: DRMVisualization

    def run(self, seconds: float) -> None:
        """Step the workload and take one sample every STEP_S simulated seconds."""
        for _ in range(int(seconds // STEP_S)):
            self.clock.advance(STEP_S)
            self.workload.step(self.clock.now)
            self.viz.collect_once()


def fleet(output_dir: Path, *, minutes: float = 15, seed: int = 3, interactive: bool = True,
          theme: str = "light", update_interval: float = STEP_S) -> Fleet:
    """A fleet that has already run `minutes` simulated minutes."""
    clock = FakeClock()
    manager = DynamicResourceManager(clock=clock)
    cloud = LocalCloudProvider(manager, clock=clock)
    workload = Workload(cloud.provisioning_manager(), WorkloadConfig(seed=seed), clock=clock)
    viz = DRMVisualization(manager, cloud, output_dir=output_dir, update_interval=update_interval,
                           interactive=interactive, theme=theme, clock=clock)
    out = Fleet(clock, manager, cloud, workload, viz)
    out.run(minutes * 60)
    return out


def png_pixels(path: Path):
    """(width, height, number of distinct colours) of a PNG file."""
    from PIL import Image
    with Image.open(io.BytesIO(path.read_bytes())) as img:
        rgb = img.convert("RGB")
        return rgb.width, rgb.height, len(rgb.getcolors(maxcolors=1 << 20) or ())
