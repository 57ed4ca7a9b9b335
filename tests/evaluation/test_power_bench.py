"""The power benchmark runs the real demo pipeline on a tiny configuration and writes its keys."""

import json

import pytest

from drm_dashboard.analytics.alert_rules import RegressionRule
from drm_dashboard.evaluation import power

pytestmark = pytest.mark.timeout(300)


def test_a_tiny_power_run_writes_every_change_and_the_false_alarm_rate(tmp_path, capsys):
    status = power.main(["--out", str(tmp_path), "--seeds", "1", "--onset-min", "2",
                         "--watch-min", "2", "--null-seeds", "1", "--null-hours", "0.25"])
    assert status == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary["changes"]) == set(power.CHANGES)
    for name, row in summary["changes"].items():
        assert row["runs"] == 1 and row["inject"] == f"{power.CHANGES[name][0]}@2"
        assert 0 <= row["alerted_within_2min_share"] <= row["alerted_share"] <= 1
        assert (row["median_delay_s"] is None) == (row["alerted_share"] == 0)
        assert row["realized_ratio_median"] is None or row["realized_ratio_median"] > 0
    null = summary["no_injection"]
    assert null["runs"] == 1 and null["simulated_hours"] == 0.25
    assert null["false_alerts_per_24h"] == null["regression_alerts"] / 0.25 * 24
    assert summary["min_confidence"] == RegressionRule().min_confidence and summary["runtime_s"] > 0


def test_the_same_seed_gives_the_same_alerts():
    regression = power._regression("allocation_time*2", 2)
    first = power.simulate(3, regression, 4, (120.0, 240.0))
    assert first == power.simulate(3, regression, 4, (120.0, 240.0))


@pytest.mark.parametrize("flag, value", [("--seeds", "0"), ("--null-hours", "0"), ("--jobs", "0")])
def test_bad_flags_exit_2_with_one_line(flag, value, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        power.main(["--out", str(tmp_path), flag, value])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    need = "above 0" if flag == "--null-hours" else "at least 1"
    assert err.count("\n") == 1 and err.rstrip().endswith(f"{flag} must be {need}")
