"""Realism rows of the path mix: lifecycle entries, skips, recycling, returns after lost deals, evangelists, deal
stage skips and regressions, close-date slips (issue 14 item 4; the rules: ``simulations.engine.paths``).

Each row sets a measured share against the configured parameter with a tolerance of STANDARD_ERRORS standard
errors at the sample size. Where the window's end cuts a delay short, the expected count is summed per contact
(chance the step came before the end); the reads are aggregates over the simulation's lifecycle events, or the
deals of the realism report's key blocks.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import numpy as np
from django.db import connection
from django.db.models import Count

from crm.models import Deal, DealStageEvent, LifecycleEvent
from scenarios.parameters import ScenarioParameters
from simulations.engine.catalog import OPEN_STAGES
from simulations.engine.paths import EVANGELIST_CYCLES, LOST_RETURN_CYCLES, REGRESSION_ROOM_DAYS
from simulations.engine.slots import EXPECTED_CLOSE_LOG_SD
from simulations.engine.touches import ONBOARDING_DAYS
from simulations.engine.trajectories import DWELL_FRACTION
from simulations.models import Simulation
from simulations.reads import sql
from simulations.reads.calibration_statistics import STANDARD_ERRORS
from simulations.reads.sql import EpochSeconds

DAY = 86_400.0
RETURN_HORIZON = 5
"""Lost deals closed this many mean return delays (plus HUMAN_SLACK_DAYS) before the window's end count: their
contacts' step is done but for e^-5 = 0.7% of them."""
HUMAN_SLACK_DAYS = 7
"""Moving a step to working time shifts it by a few days at most."""


def _share_row(row, measure: str, expected: float, hits: float, exposure: float, var: float, note: str) -> dict:
    """``hits`` over ``exposure`` (sum of each case's chance to show by the end) against ``expected``; ``var`` is
    the sum of p (1 - p) over the cases."""
    realized = hits / exposure if exposure >= 1 else None
    tolerance = STANDARD_ERRORS * math.sqrt(max(var, 0.0)) / exposure if exposure >= 1 else 0.0
    return row(measure, expected, realized, tolerance, round(exposure), note)


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def lifecycle_rows(simulation: Simulation, p: ScenarioParameters, row) -> list[dict]:
    """Entries, skips and recycling, from one count of the simulation's lifecycle steps by (from, to) stage; a
    contact's first step (seq 0) is the one from no stage."""
    fp = p.funnelPaths
    steps = {
        (source, target): n
        for source, target, n in LifecycleEvent.objects.filter(simulation=simulation)
        .order_by()
        .values_list("from_stage", "to_stage")
        .annotate(n=Count("pk"))
    }
    entry = {target: n for (source, target), n in steps.items() if source == ""}
    contacts = sum(entry.values())
    skip = {stage: steps.get(("lead", stage), 0) for stage in ("marketingqualifiedlead", "salesqualifiedlead")}
    moved = sum(skip.values())
    rows = []
    for stage, share in (("lead", fp.enterAsLeadShare), ("other", fp.enterAsOtherShare)):
        note = f"share of contacts whose first lifecycle step is {stage} (funnelPaths.enterAs{stage.title()}Share)"
        var = contacts * share * (1 - share)
        rows.append(_share_row(row, f"contacts created as {stage}", share, entry.get(stage, 0), contacts, var, note))
    skip_share = fp.skipToSqlShare
    note = "share of lead -> MQL or SQL steps that go straight to SQL (funnelPaths.skipToSqlShare)"
    to_sql = skip.get("salesqualifiedlead", 0)
    var = moved * skip_share * (1 - skip_share)
    rows.append(_share_row(row, "leads skipping MQL to SQL", skip_share, to_sql, moved, var, note))
    recycled = sum(steps.get((stage, "lead"), 0) for stage in ("marketingqualifiedlead", "salesqualifiedlead"))
    rows.append(_recycle_row(simulation, p, row, recycled))
    return rows


def _recycle_row(simulation: Simulation, p: ScenarioParameters, row, recycled: int) -> dict:
    """A contact that reached MQL (SQL) at t stops there with the stage's drop probability and is recycled with
    recycleShare after its would-be next step (a dwell, mean D) plus nurture (mean N): by the end with chance
    F(x) = 1 - (N e^(-x/N) - D e^(-x/D)) / (N - D), x the time left."""
    cycle = p.avgSalesCycleDays * DAY
    dwell, nurture = DWELL_FRACTION * cycle, p.funnelPaths.nurtureCycles * cycle
    if abs(nurture - dwell) < 1e-3 * dwell:
        nurture = dwell * 1.001  # the formula's limit; a 0.1% change of a mean delay moves nothing measurable
    end = simulation.window_end.timestamp()
    x = f"(%s - {sql.epoch('occurred_at')})"
    f = f"(1.0 - (%s * exp(-{x} / %s) - %s * exp(-{x} / %s)) / (%s - %s))"
    table = sql.table(LifecycleEvent)
    query = " ".join(
        [
            f"SELECT to_stage, sum({f}), sum({f} * {f}) FROM", table, "WHERE simulation_id = %s AND to_stage IN",
            "('marketingqualifiedlead', 'salesqualifiedlead') GROUP BY to_stage",
        ]
    )  # fmt: skip
    one = [nurture, end, nurture, dwell, end, dwell, nurture, dwell]
    with connection.cursor() as cursor:
        cursor.execute(query, [*one, *one, *one, simulation.pk])
        exposure = {stage: (float(s1 or 0), float(s2 or 0)) for stage, s1, s2 in cursor.fetchall()}
    q = p.funnelPaths.recycleShare
    weight = var = 0.0
    for stage, drop in (
        ("marketingqualifiedlead", p.dropProbabilities[2]),
        ("salesqualifiedlead", p.dropProbabilities[3]),
    ):
        s1, s2 = exposure.get(stage, (0.0, 0.0))
        weight += drop * s1
        var += q * drop * s1 - (q * drop) ** 2 * s2
    note = (
        "MQL/SQL -> lead steps per contact that stopped at MQL or SQL, each weighted by its chance to be recycled "
        f"by the window's end (dwell {dwell / DAY:.1f} d + nurture {nurture / DAY:.1f} d; funnelPaths.recycleShare)"
    )
    return _share_row(row, "stopped MQL/SQL contacts recycled to lead", q, recycled, weight, var, note)


def outcome_rows(simulation: Simulation, p: ScenarioParameters, row, blocks) -> list[dict]:
    """Openers of the sampled lost and won deals: back to lead or other after a loss, evangelist after a win."""
    fp = p.funnelPaths
    cycle = p.avgSalesCycleDays * DAY
    end = simulation.window_end.timestamp()
    deals = list(
        Deal.objects.filter(blocks("key"), simulation=simulation, closed_at__isnull=False)
        .order_by()
        .values_list("key", "is_won", EpochSeconds("closed_at"))
    )
    steps = dict(
        LifecycleEvent.objects.filter(blocks("contact_key"), simulation=simulation, from_stage__in=("opportunity",
                                      "customer"), to_stage__in=("lead", "other", "evangelist"))
        .order_by().values_list("contact_key", "to_stage")
    )  # fmt: skip
    horizon = RETURN_HORIZON * LOST_RETURN_CYCLES * cycle + HUMAN_SLACK_DAYS * DAY
    lost = [key for key, won, at in deals if not won and at < end - horizon]
    to_lead = sum(steps.get(key) == "lead" for key in lost)
    to_other = sum(steps.get(key) == "other" for key in lost)
    other_share = (1 - fp.lostToLeadShare) * fp.lostToOtherShare
    won = np.array([end - at - ONBOARDING_DAYS * DAY for _, is_won, at in deals if is_won])
    w = 1 - np.exp(-np.maximum(won, 0) / (EVANGELIST_CYCLES * cycle))
    evangelists = sum(steps.get(key) == "evangelist" for key, is_won, _ in deals if is_won)
    e = fp.evangelistShare
    n = len(lost)
    l_share = fp.lostToLeadShare
    lost_note = f"openers of sampled deals lost over {horizon / DAY:.0f} days before the end"
    evangelist_note = (
        "openers of sampled won deals, each weighted by its chance to step up by the end (onboarding "
        f"{ONBOARDING_DAYS} d + mean {EVANGELIST_CYCLES:g} sales cycle; funnelPaths.evangelistShare)"
    )
    return [
        _share_row(
            row, "lost deals' contacts back to lead", l_share, to_lead, n, n * l_share * (1 - l_share),
            f"{lost_note} (funnelPaths.lostToLeadShare)",
        ),
        _share_row(
            row, "lost deals' contacts set to other", other_share, to_other, n, n * other_share * (1 - other_share),
            f"{lost_note}; (1 - lostToLeadShare) x lostToOtherShare",
        ),
        _share_row(
            row, "customers becoming evangelists", e, evangelists, float(w.sum()),
            float(e * w.sum() - e * e * (w * w).sum()), evangelist_note,
        ),
    ]  # fmt: skip


def deal_rows(simulation: Simulation, p: ScenarioParameters, style: str, row, blocks) -> list[dict]:
    """Stage skips and regressions over the sampled closed deals, close-date slips over the sampled open ones."""
    dp = p.dealPaths
    stages = OPEN_STAGES[style]
    paths: dict[int, list[tuple[int, str, str, float]]] = defaultdict(list)
    for key, seq, source, target, at in (
        DealStageEvent.objects.filter(blocks("deal_key"), simulation=simulation)
        .order_by("deal_key", "seq")
        .values_list("deal_key", "seq", "from_stage", "to_stage", EpochSeconds("occurred_at"))
    ):
        paths[key].append((seq, source, target, at))
    slots = skipped = eligible = regressed = 0
    for events in paths.values():
        final = events[-1][2]
        if final not in ("closedwon", "closedlost"):
            continue
        visited = [stages.index(t) for _, _, t, _ in events[:-1]]
        last = stages.index(events[-1][1])
        reach = len(stages) - 1 if final == "closedwon" else max(last - 1, 0)
        slots += reach
        skipped += reach - len({v for v in visited if 1 <= v <= reach})
        back = any(b < a for a, b in itertools.pairwise(visited))
        first_at_last = next(at for _, _, t, at in events if t == stages[last])
        room = (events[-1][3] - first_at_last) / DAY
        if len(set(visited)) >= 2 and room >= REGRESSION_ROOM_DAYS:
            eligible += 1
            regressed += back
    s, r = dp.stageSkipShare, dp.regressionShare
    return [
        _share_row(row, "deal stages skipped", s, skipped, slots, slots * s * (1 - s),
                   "open stages after the first that closed deals passed over (a lost deal's last stage excluded; "
                   "dealPaths.stageSkipShare)"),
        _share_row(row, "deals moving back a stage", r, regressed, eligible, eligible * r * (1 - r),
                   f"closed deals with two visited open stages and {REGRESSION_ROOM_DAYS}+ days between the last one "
                   "and the close (dealPaths.regressionShare)"),
        _slip_row(simulation, p, row, blocks, {k: v for k, v in paths.items() if len(v) == 2}),
    ]  # fmt: skip


def _slip_row(simulation: Simulation, p: ScenarioParameters, row, blocks, two_events) -> dict:
    """Open deals whose last stage change is their second event: it found the expected close date (created +
    avgSalesCycleDays x lognormal(0, EXPECTED_CLOSE_LOG_SD), a whole day) already past with chance P, and then left it
    there with chance 1 - closeDateSlipShare; so a close date still before that change's day has chance
    (1 - share) x P."""
    q = p.dealPaths.closeDateSlipShare
    deals = Deal.objects.filter(blocks("key"), simulation=simulation, closed_at__isnull=True, key__in=list(two_events))
    hits, chance = 0, []
    for key, created, close in deals.order_by().values_list(
        "key", EpochSeconds("created_at"), EpochSeconds("close_date")
    ):
        changed = two_events[key][1][3]
        day = math.floor(changed / DAY) * DAY
        room = day - created
        late = 0.0
        if day > (math.floor(created / DAY) + 1) * DAY:
            late = _normal_cdf(math.log(room / (p.avgSalesCycleDays * DAY)) / EXPECTED_CLOSE_LOG_SD)
        chance.append((1 - q) * late)
        hits += close is not None and close < day
    pc = np.asarray(chance)
    n = pc.size
    expected = float(pc.mean()) if n else 0.0
    tolerance = STANDARD_ERRORS * math.sqrt(float((pc * (1 - pc)).sum())) / max(n, 1)
    note = (
        f"open deals whose second stage event is their last: the close date stays past at that change with chance "
        f"(1 - closeDateSlipShare {q:g}) x chance it was past (expected: mean over the deals)"
    )
    return row("overdue close dates left unpushed", expected, hits / n if n else None, tolerance, n, note)
