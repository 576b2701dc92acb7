"""A funnel with real paths: every rule of ``simulations.engine.paths`` holds at its configured rate.

One B2B dataset of 30,000 leads over three years; rates are measured on the stories of leads that arrived in the
first year (every delay of theirs, months long, ends long before the window does) or, for deals, on closed
ones. Tolerances: 4 binomial standard errors at the realized sample size. The path shares are raised above the
preset's where a rule would otherwise have a small sample.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

from simulations.engine.catalog import OPEN_STAGES
from simulations.engine.paths import REGRESSION_ROOM_DAYS, lost_stage_shares
from simulations.engine.slots import count_plan

from .support import DAY, concat, generate_by_slot, make_inputs, parameters

LEADS = 30_000
BASE = parameters("b2b")
P = dataclasses.replace(
    BASE,
    funnelPaths=dataclasses.replace(BASE.funnelPaths, enterAsOtherShare=0.05, evangelistShare=0.2),
    dealPaths=dataclasses.replace(BASE.dealPaths, regressionShare=0.2),
)
INPUTS = make_inputs(P, records=round(LEADS / P.leadVolumeMultiplier), days=3 * 365, seed=31)
CUTOFF = INPUTS.start + 365 * DAY
STAGES = OPEN_STAGES["b2b"]
TYPES = ("contacts", "deals", "activities", "lifecycle_events", "deal_stage_events")


def four_se(p: float, n: int) -> float:
    return 4 * math.sqrt(p * (1 - p) / n)


@pytest.fixture(scope="module")
def data():
    slots = generate_by_slot(INPUTS)
    return {t: concat(slots, t) for t in TYPES}


def _events_by_key(events, key: str) -> dict[int, list[int]]:
    """Row indices of each owner's events, in seq order (events come sorted by key, seq)."""
    out: dict[int, list[int]] = {}
    for i, k in enumerate(events[key].tolist()):
        out.setdefault(k, []).append(i)
    return out


@pytest.fixture(scope="module")
def stories(data):
    return _events_by_key(data["lifecycle_events"], "contact_key")


@pytest.fixture(scope="module")
def early(data):
    contacts = data["contacts"]
    return set(contacts["key"][contacts["created_at"] < CUTOFF].tolist())


def test_contacts_enter_as_subscriber_lead_or_other_at_the_configured_shares(data):
    events = data["lifecycle_events"]
    first = events["to_stage"][events["seq"] == 0]
    n = first.size
    fp = P.funnelPaths
    assert n == data["contacts"]["key"].size
    for stage, share in (("lead", fp.enterAsLeadShare), ("other", fp.enterAsOtherShare)):
        assert abs((first == stage).mean() - share) <= four_se(share, n), stage
    assert set(first) == {"subscriber", "lead", "other"}


def test_contacts_created_as_other_stay_out_of_the_funnel(data, stories):
    events, activities = data["lifecycle_events"], data["activities"]
    other = events["contact_key"][(events["seq"] == 0) & (events["to_stage"] == "other")]
    assert all(len(stories[k]) == 1 for k in other.tolist())
    worked = activities["contact_key"][np.isin(activities["type"], ("note", "task", "call", "meeting"))]
    assert not np.isin(other, worked).any()
    assert not np.isin(other, data["deals"]["contact_key"]).any()
    assert (events["lead_status"][np.isin(events["contact_key"], other)] == "").all()


def test_leads_skip_mql_straight_to_sql_at_the_configured_share(data):
    events = data["lifecycle_events"]
    on = events["from_stage"] == "lead"
    sql = (on & (events["to_stage"] == "salesqualifiedlead")).sum()
    mql = (on & (events["to_stage"] == "marketingqualifiedlead")).sum()
    share = P.funnelPaths.skipToSqlShare
    assert abs(sql / (sql + mql) - share) <= four_se(share, sql + mql)


def test_contacts_stopped_at_mql_or_sql_are_recycled_to_lead_and_reopened(data, stories, early):
    events = data["lifecycle_events"]
    stopped = recycled = 0
    for key in early:
        rows = stories[key]
        to = events["to_stage"][rows].tolist()
        ladder = [t for t in to if t in ("marketingqualifiedlead", "salesqualifiedlead", "opportunity")]
        if not ladder or ladder[-1] == "opportunity":
            continue
        stopped += 1
        if to[-1] == "lead" and len(to) > 1 and to[-2] in ("marketingqualifiedlead", "salesqualifiedlead"):
            recycled += 1
            stop_status, status = events["lead_status"][rows[-2]], events["lead_status"][rows[-1]]
            assert stop_status in ("UNQUALIFIED", "BAD_TIMING", "")
            assert status in ("OPEN", "") and (status == "") == (stop_status == "")
    share = P.funnelPaths.recycleShare
    assert stopped > 2000
    assert abs(recycled / stopped - share) <= four_se(share, stopped)


def test_contacts_of_lost_deals_go_back_to_lead_or_other(data, stories, early):
    deals, events = data["deals"], data["lifecycle_events"]
    lost = deals["contact_key"][(deals["is_won"] == 0) & np.isin(deals["key"], list(early))]
    after = []
    for key in lost.tolist():
        rows = stories[key]
        last = events["to_stage"][rows[-1]]
        after.append(last)
        if last != "opportunity":
            assert events["from_stage"][rows[-1]] == "opportunity"
            assert events["lead_status"][rows[-1]] in {"lead": ("BAD_TIMING", ""), "other": ("UNQUALIFIED", "")}[last]
    after_ = np.array(after)
    fp = P.funnelPaths
    n = after_.size
    other = (1 - fp.lostToLeadShare) * fp.lostToOtherShare
    assert n > 500 and set(after_) <= {"lead", "other", "opportunity"}
    assert abs((after_ == "lead").mean() - fp.lostToLeadShare) <= four_se(fp.lostToLeadShare, n)
    assert abs((after_ == "other").mean() - other) <= four_se(other, n)


def test_some_customers_become_evangelists_after_onboarding(data, stories, early):
    deals, events = data["deals"], data["lifecycle_events"]
    won = (deals["is_won"] == 1) & np.isin(deals["key"], list(early))
    closes = dict(zip(deals["contact_key"][won].tolist(), deals["closed_at"][won].tolist(), strict=True))
    evangelists = 0
    for key, closed_at in closes.items():
        rows = stories[key]
        if events["to_stage"][rows[-1]] == "evangelist":
            evangelists += 1
            assert events["from_stage"][rows[-1]] == "customer" and events["occurred_at"][rows[-1]] > closed_at
    share = P.funnelPaths.evangelistShare
    assert abs(evangelists / len(closes) - share) <= four_se(share, len(closes))


def _deal_paths(data):
    events = data["deal_stage_events"]
    for key, rows in _events_by_key(events, "deal_key").items():
        to = events["to_stage"][rows].tolist()
        if to[-1] in ("closedwon", "closedlost"):
            yield key, rows, to


def test_deal_stages_are_skipped_at_the_configured_rate_but_never_the_first_or_where_a_lost_deal_drops(data):
    events = data["deal_stage_events"]
    slots = skipped = 0
    for _, rows, to in _deal_paths(data):
        assert to[0] == STAGES[0]
        visited = {STAGES.index(t) for t in to[:-1]}
        last = STAGES.index(events["from_stage"][rows[-1]])
        assert last in visited
        reach = len(STAGES) - 1 if to[-1] == "closedwon" else max(last - 1, 0)
        slots += reach
        skipped += reach - len({v for v in visited if 1 <= v <= reach})
    share = P.dealPaths.stageSkipShare
    assert abs(skipped / slots - share) <= four_se(share, slots)


def test_deals_move_back_one_visited_stage_and_on_again_at_the_configured_rate(data):
    events = data["deal_stage_events"]
    eligible = regressed = 0
    for _, rows, to in _deal_paths(data):
        visited = [STAGES.index(t) for t in to[:-1]]
        steps = list(itertools.pairwise(visited))
        backs = [i for i, (a, b) in enumerate(steps) if b < a]
        assert len(backs) <= 1
        if backs:  # back to the stage visited before, then on to the stage it left
            i = backs[0]
            assert visited[i + 1] == visited[i - 1] and visited[i + 2] == visited[i] and i + 3 == len(visited)
        last = STAGES.index(events["from_stage"][rows[-1]])
        first_at_last = events["occurred_at"][rows[visited.index(last)]]
        if len(set(visited)) >= 2 and events["occurred_at"][rows[-1]] - first_at_last >= REGRESSION_ROOM_DAYS * DAY:
            eligible += 1
            regressed += bool(backs)
    share = P.dealPaths.regressionShare
    assert eligible > 1000
    assert abs(regressed / eligible - share) <= four_se(share, eligible)


def test_lost_deals_drop_out_by_the_stage_decay():
    p = dataclasses.replace(BASE, dealPaths=dataclasses.replace(BASE.dealPaths, lostStageDecay=1.0))
    events = concat(generate_by_slot(make_inputs(p, records=20_000, days=365, seed=3)), "deal_stage_events")
    lost_from = events["from_stage"][events["to_stage"] == "closedlost"]
    for stage, share in zip(STAGES, lost_stage_shares(1.0, len(STAGES)), strict=True):
        assert share == pytest.approx(0.2)
        assert abs((lost_from == stage).mean() - share) <= four_se(share, lost_from.size), stage


def test_overdue_close_dates_are_pushed_at_the_configured_rate(data):
    """Each stage event carries the close date it sets: one that finds the previous date past (an earlier UTC day)
    pushes it out with chance closeDateSlipShare, to a later day; otherwise the date stays."""
    events = data["deal_stage_events"]
    dp = P.dealPaths
    overdue = pushed = 0
    sizes = []
    for rows in _events_by_key(events, "deal_key").values():
        for before, now in itertools.pairwise(rows):
            if events["to_stage"][now] in ("closedwon", "closedlost"):
                assert events["close_date"][now] == events["occurred_at"][now]
                continue
            day = events["occurred_at"][now] // DAY * DAY
            previous, current = events["close_date"][before], events["close_date"][now]
            if previous < day:
                overdue += 1
                if current != previous:
                    pushed += 1
                    assert current % DAY == 0 and current > day
                    sizes.append((current - day) / DAY)
            else:
                assert current == previous
    assert overdue > 500
    assert abs(pushed / overdue - dp.closeDateSlipShare) <= four_se(dp.closeDateSlipShare, overdue)
    # whole days, at least one: ceil of an exponential with mean m has mean about m + 1/2
    mean = dp.closeDateSlipCycles * P.avgSalesCycleDays
    assert abs(np.mean(sizes) - (mean + 0.5)) <= 4 * mean / math.sqrt(len(sizes))


def test_with_every_path_rule_off_the_funnel_is_the_ladder():
    fp = {f.name: 0.0 for f in dataclasses.fields(BASE.funnelPaths) if f.name.endswith("Share")}
    p = dataclasses.replace(
        BASE,
        funnelPaths=dataclasses.replace(BASE.funnelPaths, **fp),
        dealPaths=dataclasses.replace(BASE.dealPaths, stageSkipShare=0.0, regressionShare=0.0),
    )
    slots = generate_by_slot(make_inputs(p, records=6000, days=365, seed=5))
    lifecycle, pipeline = concat(slots, "lifecycle_events"), concat(slots, "deal_stage_events")
    ladder = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer")
    first = lifecycle["seq"] == 0
    assert (lifecycle["to_stage"][first] == "subscriber").all()
    steps = {(a, b) for a, b in zip(lifecycle["from_stage"][~first], lifecycle["to_stage"][~first], strict=True)}
    assert steps <= set(itertools.pairwise(ladder)) | {(s, "customer") for s in ladder[2:5]}
    won = pipeline["to_stage"] == "closedwon"
    assert (pipeline["from_stage"][won] == "contractsent").all()


def test_count_mode_counts_the_path_events_write_mode_writes():
    inputs = make_inputs("b2c", records=4000, days=120, seed=13)
    slots = generate_by_slot(inputs)
    totals = count_plan(inputs).totals
    for record_type in ("contacts", "deals", "lifecycle_events", "deal_stage_events", "activities"):
        assert totals[record_type] == sum(s.rows(record_type) for s in slots.values()), record_type
