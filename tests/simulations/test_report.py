"""The calibration report and the simulation_report command.

Acceptance: at N = 20,000 both built-in presets come out all OK over 2026-01-01..2026-07-01 (six months:
B2B's 60-day cycle is long against it, which the cycle check accounts for, see simulations.report). Seeds are
fixed, so these statistical checks cannot flake.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from collections.abc import Callable
from io import StringIO
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from crm.models import Company, Contact, Deal
from crmsim.vocabulary import RECORD_TYPES
from scenarios.parameters import SCHEMA
from simulations.lifecycle.results import store_results
from simulations.models import Simulation
from simulations.reads.calibration_statistics import clipped_normal_moments, truncated_gamma_mean
from simulations.reads.report import calibration_report
from tests.simulations.conftest import expected_digest

HALF_YEAR = {"start": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "end": dt.datetime(2026, 7, 1, tzinfo=dt.UTC)}
ROW_KEYS = {"parameter", "configured", "expected", "realized", "tolerance", "verdict", "note"}


def _report_json(simulation: Simulation) -> dict[str, Any]:
    out = StringIO()
    call_command("simulation_report", str(simulation.pk), "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_builtin_presets_at_twenty_thousand_records_calibrate_all_ok(
    run_simulation: Callable[..., Simulation], scenario: str
) -> None:
    simulation = run_simulation(scenario=scenario, records=20_000, seed=7, **HALF_YEAR)
    report = _report_json(simulation)
    assert report["status"] == "completed"
    not_ok = [
        (r["parameter"], r["realized"], r["expected"], r["note"]) for r in report["calibration"] if r["verdict"] != "OK"
    ]
    assert not_ok == []
    assert report["allOk"] is True
    realism_not_ok = [(r["measure"], r["realized"], r["expected"]) for r in report["realism"] if r["verdict"] != "OK"]
    assert realism_not_ok == []
    assert {r["measure"] for r in report["realism"]} >= {
        "rep actions in local working hours",
        "rep actions on a local day off",
        "late-stage touches on subscribers and leads",
        "onboarding calls on non-customers",
    }


@pytest.fixture
def small_b2b(run_simulation: Callable[..., Simulation]) -> Simulation:
    return run_simulation(scenario="b2b", records=4000, seed=11, **HALF_YEAR)


@pytest.mark.django_db
def test_every_schema_parameter_has_a_calibration_row(small_b2b: Simulation) -> None:
    parameters = [row["parameter"] for row in calibration_report(small_b2b)["calibration"]]
    assert parameters == [spec.path for spec in SCHEMA]


@pytest.mark.django_db
def test_the_win_rate_row_turns_to_warn_when_won_deals_are_flipped_to_lost(small_b2b: Simulation) -> None:
    def win_rate_row() -> dict[str, Any]:
        rows = calibration_report(small_b2b)["calibration"]
        return next(r for r in rows if r["parameter"] == "dealWinRateBase")

    before = win_rate_row()
    assert before["verdict"] == "OK"
    won = Deal.objects.filter(simulation=small_b2b, is_won=True).order_by("key")
    flipped = Deal.objects.filter(pk__in=list(won.values_list("pk", flat=True)[::2])).update(is_won=False)
    assert flipped > 0
    after = win_rate_row()
    assert after["verdict"] == "WARN"
    assert abs(after["realized"] - after["expected"]) > after["tolerance"]


@pytest.mark.django_db
def test_the_outcome_rows_turn_to_warn_when_amounts_and_wins_are_reassigned(small_b2b: Simulation) -> None:
    def rows() -> dict[str, dict[str, Any]]:
        return {r["parameter"]: r for r in calibration_report(small_b2b)["calibration"]}

    before = rows()
    assert before["dealOutcomes.sizeAmountCorrelation"]["verdict"] == "OK"
    assert before["dealOutcomes.slowDealWinPenalty"]["verdict"] == "OK"
    employees = dict(Company.objects.filter(simulation=small_b2b).values_list("key", "employees"))
    deals = list(Deal.objects.filter(simulation=small_b2b).order_by("key"))
    # The largest amounts to the smallest companies: amount falls with size instead of rising.
    by_size = sorted(deals, key=lambda deal: employees.get(deal.company_key) or 0)
    amounts = sorted((deal.amount_cents for deal in deals), reverse=True)
    for deal, cents in zip(by_size, amounts, strict=True):
        deal.amount_cents = cents
    # The slowest closed deals won, the fastest lost: lost deals now run shorter.
    closed = sorted((d for d in deals if d.closed_at is not None), key=lambda d: d.closed_at - d.created_at)
    for rank, deal in enumerate(closed):
        deal.is_won = rank >= len(closed) // 2
    Deal.objects.bulk_update(deals, ["amount_cents", "is_won"])
    after = rows()
    assert after["dealOutcomes.sizeAmountCorrelation"]["verdict"] == "WARN"
    assert after["dealOutcomes.sizeAmountCorrelation"]["realized"] < 0
    assert after["dealOutcomes.slowDealWinPenalty"]["verdict"] == "WARN"
    assert after["dealOutcomes.slowDealWinPenalty"]["realized"] < 0


@pytest.mark.django_db
def test_the_amount_row_turns_to_warn_when_amounts_are_inflated(small_b2b: Simulation) -> None:
    from django.db.models import F

    Deal.objects.filter(simulation=small_b2b).update(amount_cents=F("amount_cents") * 2)
    rows = {r["parameter"]: r for r in calibration_report(small_b2b)["calibration"]}
    assert rows["dealAmount.mu"]["verdict"] == "WARN"  # ln 2 = 0.69 above mu
    assert rows["dealAmount.sigma"]["verdict"] == "OK"  # scaling does not change the spread


@pytest.mark.django_db
def test_json_output_is_one_object_with_progress_calibration_and_digest(small_b2b: Simulation) -> None:
    report = _report_json(small_b2b)
    assert set(report) >= {"id", "status", "progress", "calibration", "allOk", "digest", "window"}
    assert report["id"] == small_b2b.pk
    assert set(report["progress"]) == set(RECORD_TYPES)
    for counts in report["progress"].values():
        assert counts["planned"] == counts["processed"]
    assert all(set(row) == ROW_KEYS for row in report["calibration"])
    assert {row["verdict"] for row in report["calibration"]} <= {"OK", "WARN"}
    assert report["digest"] == expected_digest(small_b2b)


@pytest.mark.django_db
def test_text_output_shows_status_both_tables_and_the_digest(small_b2b: Simulation) -> None:
    out = StringIO()
    call_command("simulation_report", str(small_b2b.pk), stdout=out)
    text = out.getvalue()
    assert "completed" in text
    assert "record type" in text and "planned" in text and "processed" in text
    header = next(line for line in text.splitlines() if line.startswith("parameter"))
    assert header.split() == ["parameter", "configured", "expected", "realized", "tolerance", "verdict", "note"]
    lines = text.splitlines()
    start = lines.index(header)
    verdict_column = header.index("verdict")
    body = lines[start + 2 : lines.index("", start)]
    assert len(body) == len(SCHEMA)  # one row per parameter
    for line in body:  # aligned: every verdict starts under its header
        assert line[verdict_column : verdict_column + 4] in ("OK  ", "WARN")
    assert f"Digest {expected_digest(small_b2b)}" in text


@pytest.mark.django_db
@pytest.mark.parametrize("argument", ["999999", "abc"])
def test_an_unknown_id_exits_with_code_two(argument: str) -> None:
    with pytest.raises(CommandError) as error:
        call_command("simulation_report", argument)
    assert error.value.returncode == 2
    assert argument in str(error.value)


def test_clipped_normal_moments_equal_mu_and_sigma_when_clipping_is_negligible() -> None:
    mean, sd, p_low, p_high = clipped_normal_moments(10.5, 0.9, math.log(0.01), math.log(1e9))
    assert mean == pytest.approx(10.5, abs=1e-9) and sd == pytest.approx(0.9, abs=1e-9)
    assert p_low < 1e-9 and p_high < 1e-9


def test_clipped_normal_moments_match_a_simulated_clipped_sample() -> None:
    z = np.clip(np.random.default_rng(1).normal(0.0, 1.0, 2_000_000), -0.5, 1.0)
    mean, sd, p_low, p_high = clipped_normal_moments(0.0, 1.0, -0.5, 1.0)
    assert mean == pytest.approx(z.mean(), abs=4 * z.std() / math.sqrt(z.size))
    assert sd == pytest.approx(z.std(), rel=2e-3)
    assert p_low == pytest.approx((z == -0.5).mean(), abs=2e-3)
    assert p_high == pytest.approx((z == 1.0).mean(), abs=2e-3)


def test_truncated_gamma_mean_matches_a_simulated_truncated_sample() -> None:
    rng = np.random.default_rng(3)
    limits = rng.uniform(1.0, 200.0, 400_000)
    draws = rng.gamma(4.0, 60.0 / 4.0, limits.size)
    kept = draws < limits
    expected, standard_error = truncated_gamma_mean(60.0, 4, limits[kept])
    assert abs(draws[kept].mean() - expected) <= 4 * standard_error
    assert truncated_gamma_mean(60.0, 4, np.full(10, 1e6))[0] == pytest.approx(60.0)


@pytest.mark.django_db
def test_realism_rows_turn_to_warn_when_the_stories_are_broken(small_b2b: Simulation) -> None:
    from django.db.models import F

    from crm.models import Activity, Contact
    from simulations.reads.realism import realism_rows

    before = {r["measure"]: r for r in realism_rows(small_b2b)}
    assert all(r["verdict"] == "OK" for r in before.values()), [r for r in before.values() if r["verdict"] != "OK"]
    early = Contact.objects.filter(simulation=small_b2b, lifecycle_stage="subscriber").values("key")
    assert Activity.objects.filter(simulation=small_b2b, contact_key__in=early).update(subject="Send contract") > 0
    Activity.objects.filter(simulation=small_b2b).update(occurred_at=F("occurred_at") + dt.timedelta(hours=12))
    after = {r["measure"]: r for r in realism_rows(small_b2b)}
    assert after["late-stage touches on subscribers and leads"]["verdict"] == "WARN"
    assert after["rep actions in local working hours"]["verdict"] == "WARN"
    assert after["lost deals dropping out at appointmentscheduled"]["verdict"] == "OK"


@pytest.mark.django_db
def test_text_output_shows_the_realism_table(small_b2b: Simulation) -> None:
    out = StringIO()
    call_command("simulation_report", str(small_b2b.pk), stdout=out)
    lines = out.getvalue().splitlines()
    header = lines[lines.index("Realism") + 1]
    assert header.split() == ["measure", "expected", "realized", "tolerance", "sample", "verdict", "note"]
    assert any(line.startswith("rep actions in local working hours") for line in lines)


@pytest.mark.django_db
def test_a_window_shorter_than_a_day_stores_a_report_of_valid_json(run_simulation: Callable[..., Simulation]) -> None:
    """No month-end days and no Tuesday to Thursday in 20 minutes of a Monday: those expectations are undefined
    (NaN, infinity), which PostgreSQL's jsonb refused, so the report was never stored. They are stored as null."""
    start = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    simulation = run_simulation(scenario="b2b", records=200, seed=3, start=start, end=start + dt.timedelta(minutes=20))
    store_results(simulation_id=simulation.pk)
    simulation.refresh_from_db()
    assert simulation.report is not None
    json.dumps(simulation.report, allow_nan=False)  # raises on NaN or infinity
    rows = {row["parameter"]: row for row in simulation.report["calibration"]}
    assert rows["closeRush"]["expected"] is None


@pytest.mark.django_db
def test_the_deal_outcome_sample_holds_every_deal_in_key_order_with_its_company(
    small_b2b: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample is read in chunks into arrays (no tuple per deal kept): deal by deal it says what the rows say,
    across chunk boundaries, and a company without a head count is NaN."""
    from simulations.engine.values import EMPLOYEES_LOG_MEAN, EMPLOYEES_LOG_SD
    from simulations.reads import outcome_checks
    from simulations.reads.calibration_checks import CalibrationContext

    first = Deal.objects.filter(simulation=small_b2b).order_by("key").first()
    assert first is not None
    Company.objects.filter(simulation=small_b2b, key=first.company_key).update(employees=None)
    deals = list(Deal.objects.filter(simulation=small_b2b).order_by("key"))
    employees = dict(Company.objects.filter(simulation=small_b2b).values_list("key", "employees"))
    contacts = Counter(Contact.objects.filter(simulation=small_b2b).values_list("company_key", flat=True))
    monkeypatch.setattr(outcome_checks, "CHUNK_ROWS", 7)  # many chunks, the last one short
    ctx = CalibrationContext.of(small_b2b)
    sample = outcome_checks.deal_outcome_sample(small_b2b, ctx.parameters, ctx.deals)

    assert len(deals) % 7 and sample.owner.tolist() == [deal.owner_key for deal in deals]
    assert sample.closed.tolist() == [deal.closed_at is not None for deal in deals]
    assert [None if math.isnan(won) else bool(won) for won in sample.won] == [deal.is_won for deal in deals]
    amount = ctx.parameters.dealAmount
    assert np.allclose(sample.z, [(math.log(d.amount_cents / 100) - amount.mu) / amount.sigma for d in deals])

    def score(counts: list[float]) -> np.ndarray:
        return (np.log(counts) - EMPLOYEES_LOG_MEAN) / EMPLOYEES_LOG_SD

    heads = [employees[deal.company_key] or math.nan for deal in deals]
    assert math.isnan(heads[0]) and np.allclose(sample.size, score(heads), equal_nan=True)
    assert np.allclose(sample.size_floor, score([contacts[deal.company_key] for deal in deals]))
