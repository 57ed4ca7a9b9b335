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


def test_a_rule_applied_to_recorded_findings_raises_what_the_engine_raises():
    # the rule choice scores candidates offline: it must see what AlertEngine would raise
    regression = power._regression("allocation_time*2", 2)
    engine_run = power.simulate(3, regression, 4, (120.0, 240.0))
    log = power.FindingLog()
    power.run_demo(3, regression, 4, (120.0, 240.0), log, power._Clock(), RegressionRule())
    assert [name for _, _, name, _ in engine_run.alerts] == ["allocation_time_ms"]
    assert power.alerts_under(RegressionRule(), log.revisions) == engine_run.alerts
    assert power.alerts_under(RegressionRule(min_confidence=0.99), log.revisions) == ()


def test_the_rule_choice_chooses_on_one_fold_and_scores_the_other():
    from drm_dashboard.evaluation import rule_choice
    config = power.PowerConfig(seeds=2, watch_min=2, null_seeds=2, null_hours=0.25)
    runs = rule_choice.record_runs(config, 1)
    summary = rule_choice.cross_validate(runs, config)
    even, odd = summary["folds"]
    assert (even["held_out_seeds"], odd["held_out_seeds"]) == ("even", "odd")
    # the even seeds held out: the rule is chosen on the odd ones and scored on the even ones
    rule, _ = rule_choice.choose([r for r in runs if r[1] % 2 == 1], config)
    held = rule_choice.score(rule, [r for r in runs if r[1] % 2 == 0], config)
    assert even["held_out"] == rule_choice._figures(rule, held)
    assert even["training"]["min_confidence"] == rule.min_confidence
    assert summary["chosen"]["min_confidence"] in rule_choice.MIN_CONFIDENCE
    assert summary["chosen"]["recurrent_margin"] in rule_choice.MARGIN
