"""DRMVisualizationIntegration: keeps the monitoring dashboard's DRM charts fresh and knows where they are."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..sources import MetricsSource
from ..threads import PeriodicLoop
from ..ui.theme import THEMES
from ..report.charts import CHARTS, build_all
from ..manager.cloud import CloudProviderManager
from ..report.static import write_html
from ..report.summary import ReportSummary
from ..report.visualization import DRMVisualization

# how often the collector samples while the charts are redrawn every update_interval
DEFAULT_SAMPLE_INTERVAL_S = 5.0


@dataclass(frozen=True)
class ChartFile:
    """One generated chart: what it shows, in which theme, where it is and when it was drawn."""

    name: str
    title: str
    theme: str
    path: Path
    generated_at: float


class DRMVisualizationIntegration:
    """Samples a resource manager (or source) and redraws every chart each update_interval seconds."""

    def __init__(self, output_dir: str | Path = "drm_visualizations", update_interval: float = 300,
                 resource_manager: Any = None, *,
                 cloud_provider_manager: CloudProviderManager | None = None,
                 source: MetricsSource | None = None,
                 sample_interval: float = DEFAULT_SAMPLE_INTERVAL_S, theme: str = "light",
                 simulated: bool = False, clock: Callable[[], float] = time.time) -> None:
        if not update_interval > 0:
            raise ValueError(f"update_interval must be above 0 seconds, got {update_interval!r}")
        self.output_dir = Path(output_dir)
        self.update_interval = float(update_interval)
        self.resource_manager = resource_manager
        self.theme = theme
        self.simulated = simulated
        self._clock = clock
        self.visualization = DRMVisualization(
            resource_manager, cloud_provider_manager, output_dir=self.output_dir,
            update_interval=min(sample_interval, self.update_interval), source=source, theme=theme,
            clock=clock)
        # (theme, chart name) -> the file drawn last; a theme is kept fresh once a page asked for it
        self.visualization_registry: dict[tuple[str, str], ChartFile] = {}
        self._themes = {theme}
        self._lock = threading.Lock()  # one redraw at a time: page requests and the thread share files
        self._redraw = PeriodicLoop(self.update_visualizations, self.update_interval, "drm-viz-update",
                                    first_now=True)

    @property
    def source_description(self) -> str:
        return self.visualization.source_description

    def chart_dir(self, theme: str) -> Path:
        """Where the charts of one theme are written (plotly.js beside them)."""
        return self.output_dir / theme

    def update_visualizations(self, force: bool = False, theme: str | None = None) -> list[ChartFile]:
        """Redraw one theme's charts (default: every theme in use) when stale or forced; their files."""
        themes = [theme] if theme else sorted(self._themes)
        out: list[ChartFile] = []
        with self._lock:
            inputs = None
            for name in themes:
                self._themes.add(name)
                if force or self._stale(name):
                    inputs = inputs or self.visualization.inputs()
                    self._draw(inputs, name)
                out += [self.visualization_registry[(name, chart)] for chart in CHARTS]
        return out

    def _stale(self, theme: str) -> bool:
        entry = self.visualization_registry.get((theme, next(iter(CHARTS))))
        return entry is None or self._clock() - entry.generated_at >= self.update_interval

    def _draw(self, inputs: Any, theme: str) -> None:
        now = self._clock()
        for chart in build_all(inputs, THEMES[theme]):
            path = write_html(chart, self.chart_dir(theme) / f"{chart.name}.html", THEMES[theme])
            self.visualization_registry[(theme, chart.name)] = ChartFile(chart.name, chart.title,
                                                                         theme, path, now)

    def get_visualization_paths(self, theme: str | None = None) -> dict[str, str]:
        """Chart name -> file of the charts drawn so far in that theme (default: the integration's)."""
        theme = theme or self.theme
        return {name: str(f.path) for (t, name), f in self.visualization_registry.items() if t == theme}

    def get_resource_summary(self) -> ReportSummary:
        """The summary cards' numbers, from the samples collected so far."""
        return self.visualization.inputs().summary

    def create_dashboard(self, output_dir: str | Path) -> Path:
        """The self-contained report page (every chart, plotly.js inline) written into output_dir."""
        return Path(self.visualization.create_resource_dashboard(output_dir))

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Sample on the collector thread and redraw on a named thread every update_interval."""
        self.visualization.start_collection()
        # a failed redraw is logged and keeps the last files; the next one may succeed
        self._redraw.start()

    def stop(self) -> None:
        """Stop redrawing and sampling."""
        self._redraw.stop()
        self._redraw.join(timeout=30)
        self.visualization.stop_collection()

    def start_dashboard_server(self, port: int = 0, host: str | None = None) -> str:
        """The live page of this integration's data (it polls for new samples); its URL."""
        if host is not None:
            self.visualization.host = host
        return self.visualization.start_dashboard_server(port=port)

    def stop_dashboard_server(self) -> None:
        self.visualization.stop_dashboard_server()

    def get_dashboard_url(self) -> str | None:
        return self.visualization.dashboard_url

    def cleanup(self) -> None:
        """Stop every thread and server this integration started."""
        self.stop()
        self.visualization.cleanup()
