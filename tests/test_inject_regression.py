"""--inject-regression: METRIC[*FACTOR]@MINUTE parsed into the demo's injected change; bad ones exit 2."""

import pytest

from drm_dashboard.cli import parse_settings
from drm_dashboard.config import parse_regression
from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_dashboard.manager import InjectedRegression


@pytest.mark.parametrize("spec, parsed", [
    ("allocation_time@10", ("allocation_time", 600.0, 2.0)),  # the original spelling: twice as bad
    ("allocation_time", ("allocation_time", 600.0, 2.0)),
    ("allocation_time*1.5@2", ("allocation_time", 120.0, 1.5)),
    ("queue_wait*3@2", ("queue_wait", 120.0, 3.0)),
    ("throughput*0.5@2", ("throughput", 120.0, 2.0)),  # halved throughput is twice as bad
    ("throughput*0.25@0.5", ("throughput", 30.0, 4.0)),
    ("throughput@1", ("throughput", 60.0, 2.0)),
])
def test_spellings_parse_to_metric_start_and_how_many_times_worse(spec, parsed):
    assert parse_regression(spec) == parsed


def test_the_demo_workload_gets_the_parsed_change(clock):
    settings = parse_settings(["--inject-regression", "throughput*0.5@2"])
    dash = DRMRealTimeDashboard(settings=settings, clock=clock)  # built, never started
    assert dash._driver.workload.config.regression == InjectedRegression("throughput", 120.0, 2.0)


@pytest.mark.parametrize("spec, words", [
    ("latency@2", "METRIC[*FACTOR]@MINUTE"),
    ("allocation_time@soon", "METRIC[*FACTOR]@MINUTE"),
    ("allocation_time@-1", "METRIC[*FACTOR]@MINUTE"),
    ("allocation_time*x@2", "METRIC[*FACTOR]@MINUTE"),
    ("allocation_time*@2", "METRIC[*FACTOR]@MINUTE"),
    ("allocation_time*0.5@2", "need FACTOR > 1"),
    ("queue_wait*1@2", "need FACTOR > 1"),
    ("throughput*2@2", "need 0 < FACTOR < 1"),
    ("throughput*0@2", "need 0 < FACTOR < 1"),
    ("allocation_time*inf@2", "need FACTOR > 1"),
])
def test_bad_spellings_exit_2_with_one_line(spec, words, capsys):
    with pytest.raises(SystemExit) as exc:
        parse_settings(["--inject-regression", spec])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--inject-regression" in err and words in err
