"""DRMVisualization: the original project's report API over the dashboard's own collector and stores."""

from __future__ import annotations

import json
import logging
import threading
import time
import webbrowser
from pathlib import Path
from typing import Any, Callable

from ..collector import Collector
from ..sources import MetricsSource
from ..sources.local import LocalSource
from ..store.history import HistoryStore
from ..store.live import LiveStore, LiveView
from ..threads import wait_until_stopped
from ..ui.theme import THEMES
from .charts import CHARTS, ReportInputs, build, build_all, gather
from ..manager.cloud import CloudProviderManager
from ..analytics.efficiency import advice
from .png import PngRenderer
from .static import Chart, render_index, write_html, write_png
from .cards import cards

log = logging.getLogger(__name__)

DEFAULT_OUTPUT_DIR = "drm_visualizations"
_DAY_S = 86400.0


class DRMVisualization:
    """Collects from a manager (or any MetricsSource) and writes the five charts, a dashboard and a live page."""

    def __init__(self, dynamic_resource_manager: Any = None,
                 cloud_provider_manager: CloudProviderManager | None = None,
                 resource_optimizer: Any = None, output_dir: str | Path | None = None,
                 dashboard_port: int = 8889, data_retention_days: float = 30,
                 update_interval: float = 300, interactive: bool = True, *,
                 source: MetricsSource | None = None, live: LiveStore | None = None,
                 db_path: str | Path | None = None, theme: str = "light", host: str = "localhost",
                 clock: Callable[[], float] = time.time) -> None:
        self.manager = dynamic_resource_manager
        self.cloud = cloud_provider_manager
        # any object with recommendations(EfficiencyReport) -> list[str]; built-in advice otherwise
        self.resource_optimizer = resource_optimizer
        self.output_dir = Path(output_dir or DEFAULT_OUTPUT_DIR)
        self.dashboard_port = dashboard_port
        self.update_interval = float(update_interval)
        self.interactive = interactive
        if theme not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, got {theme!r}")
        self.theme = THEMES[theme]
        self.host = host
        # who may see the live page (auth, Host names); the monitoring page hands its own down
        self.exposure: Any = None
        self._clock = clock
        self.live = live if live is not None else LiveStore(retention_s=data_retention_days * _DAY_S,
                                                            clock=clock)
        self.history = HistoryStore(db_path, background=True) if db_path else None
        if source is None and dynamic_resource_manager is not None:
            source = LocalSource(dynamic_resource_manager, description="in-process manager", clock=clock)
        self.source = source
        self.collector = (Collector(source, self.live, self.history, interval_s=self.update_interval,
                                    clock=clock) if source is not None else None)
        self.charts: dict[str, Path] = {}  # chart name -> the file written last
        self._png: PngRenderer | None = None
        self._server: Any = None
        self._lock = threading.Lock()
        self._poll_lock = threading.Lock()  # a poll from a caller's thread never overlaps another
        self._server_stopped = threading.Event()

    # -- data ------------------------------------------------------------------------------
    @property
    def source_description(self) -> str:
        return self.source.description if self.source is not None else "shared live store"

    def collect_once(self) -> bool:
        """Take one sample now; False when there is no source or the poll failed."""
        if self.collector is None:
            return False
        with self._poll_lock:
            return self.collector.poll_once().ok

    def start_collection(self) -> None:
        """Sample every update_interval seconds on the collector thread."""
        if self.collector is not None:
            self.collector.start()

    def stop_collection(self) -> None:
        """Stop the collector thread after its current tick."""
        if self.collector is not None:
            self.collector.stop()
            self.collector.join(timeout=10)

    def inputs(self) -> ReportInputs:
        """One consistent view of everything collected; samples once first when no thread collects."""
        if self.collector is not None and not self.collector.is_alive:
            with self._poll_lock:
                self.collector.poll_once()
        return self.inputs_for(self.live.view())

    def inputs_for(self, view: LiveView) -> ReportInputs:
        """The charts' inputs drawn from this view (no sampling)."""
        return gather(view, cloud=self.cloud, policy=getattr(self.manager, "policy", None),
                      source=self.source_description, now=self._clock())

    def recommendations(self, inputs: ReportInputs) -> list[str]:
        """The optimizer's advice when one is connected, else what the efficiency report implies."""
        if self.resource_optimizer is not None and hasattr(self.resource_optimizer, "recommendations"):
            return [str(r) for r in self.resource_optimizer.recommendations(inputs.efficiency)]
        return advice(inputs.efficiency)

    # -- one chart at a time -----------------------------------------------------------------
    def create_resource_utilization_heatmap(self, output_path: str | Path | None = None,
                                            show_plot: bool = False) -> str:
        """CPU, memory and GPU used, workers x time, blank where a worker did not report."""
        return self._create("resource_utilization_heatmap", output_path, show_plot)

    def create_scaling_history_visualization(self, output_path: str | Path | None = None,
                                             show_plot: bool = False) -> str:
        """Worker count, scaling decisions, and allocation against the policy's thresholds."""
        return self._create("scaling_history", output_path, show_plot)

    def create_resource_allocation_visualization(self, output_path: str | Path | None = None,
                                                 show_plot: bool = False) -> str:
        """Per worker: capacity, allocated and used, at the newest sample."""
        return self._create("resource_allocation", output_path, show_plot)

    def create_resource_efficiency_visualization(self, output_path: str | Path | None = None,
                                                 show_plot: bool = False) -> str:
        """Used / allocated per worker and over time, with over- and under-provisioned workers named."""
        return self._create("resource_efficiency", output_path, show_plot)

    def create_cloud_resource_visualization(self, output_path: str | Path | None = None,
                                            show_plot: bool = False) -> str:
        """Workers and money spent per cloud provider over time."""
        return self._create("cloud_resources", output_path, show_plot)

    def _create(self, name: str, output_path: str | Path | None, show_plot: bool) -> str:
        path = self.write_chart(build(name, self.inputs(), self.theme), output_path)
        if show_plot:
            webbrowser.open(path.resolve().as_uri())
        return str(path)

    def write_chart(self, chart: Chart, output_path: str | Path | None = None) -> Path:
        """Write one chart as HTML (interactive) or PNG and remember it under its name."""
        suffix = ".html" if self.interactive else ".png"
        path = Path(output_path) if output_path else self.output_dir / f"{chart.name}{suffix}"
        if self.interactive:
            write_html(chart, path, self.theme)
        else:
            write_png(chart, path, self.theme, self._renderer())
        self.charts[chart.name] = path
        return path

    def _renderer(self) -> PngRenderer:
        with self._lock:
            if self._png is None:
                self._png = PngRenderer()
            return self._png

    def create_all(self, output_dir: str | Path | None = None) -> dict[str, Path]:
        """Every chart from one view, written into output_dir (default: this object's)."""
        folder = Path(output_dir) if output_dir else self.output_dir
        suffix = ".html" if self.interactive else ".png"
        return {c.name: self.write_chart(c, folder / f"{c.name}{suffix}")
                for c in build_all(self.inputs(), self.theme)}

    # -- the whole dashboard ---------------------------------------------------------------
    def create_resource_dashboard(self, output_dir: str | Path | None = None) -> str:
        """One self-contained index.html (every chart, summary, plotly.js inline) and summary.json."""
        folder = Path(output_dir) if output_dir else self.output_dir
        folder.mkdir(parents=True, exist_ok=True)
        inputs = self.inputs()
        page = render_index(build_all(inputs, self.theme), inputs.summary, cards(inputs.summary),
                            self.recommendations(inputs), self.theme, generated_at=self._clock())
        index = folder / "index.html"
        index.write_text(page, encoding="utf-8")
        (folder / "summary.json").write_text(json.dumps(inputs.summary.to_dict(), indent=1),
                                             encoding="utf-8")
        return str(index)

    # -- the live page ---------------------------------------------------------------------
    def start_dashboard_server(self, port: int | None = None, background: bool = True) -> str:
        """Serve the live page (it polls for new data) and collect; the URL once it answers."""
        from .live_page import ReportServer  # noqa: PLC0415 (Dash only for the live page)
        with self._lock:
            if self._server is None:
                self._server = ReportServer(self, self.host, self.dashboard_port if port is None else port,
                                            self.exposure)
                self._server.start()
                self._server_stopped.clear()
        self.start_collection()
        url = self._server.url
        log.info("DRM visualization dashboard at %s", url)
        if not background:
            self._serve_until_interrupted()
        return url

    def _serve_until_interrupted(self) -> None:
        try:
            wait_until_stopped(self._server_stopped)
        finally:
            self.stop_dashboard_server()

    @property
    def dashboard_url(self) -> str | None:
        return None if self._server is None else self._server.url

    def stop_dashboard_server(self) -> None:
        """Stop the live page and free its port; safe to call twice."""
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.stop()
        self._server_stopped.set()

    def cleanup(self) -> None:
        """Stop the server, the collector and the PNG browser; flush and close history."""
        self.stop_dashboard_server()
        self.stop_collection()
        with self._lock:
            png, self._png = self._png, None
        if png is not None:
            png.close()
        if self.history is not None:
            self.history.close()
            self.history = None

    def __enter__(self) -> "DRMVisualization":
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


__all__ = ["CHARTS", "DRMVisualization"]
