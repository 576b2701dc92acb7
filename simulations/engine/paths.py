"""Paths that are not a ladder: lifecycle skips, recycling and returns, deal stage skips and regressions, and
close-date slips (issue 14, item 4; the rules and their defaults: docs/scenarios.md "Paths").

Every draw comes from ``(SLOT_PATHS, k)``, drawn in full for the slot's n leads whatever the outcome, so no other
stream shifts and the stream itself never depends on what happened:

    1. entry uniforms (n)            created as other (< enterAsOtherShare), lead (< + enterAsLeadShare), else
                                     subscriber
    2. skip uniforms (n)             a lead moving on from lead goes straight to SQL (< skipToSqlShare)
    3. after uniforms (n)            what happens after the story: recycled, back to lead or other after a lost
                                     deal, evangelist after a won one
    4. after delays (n)              standard exponentials, x the rule's mean delay
    5. after human uniforms (n, 2)   keep and clock uniforms (``localtime.human_times``) of that step
    6. deal skip uniforms (n, S)     per open stage: skipped (< stageSkipShare) where it may be
    7. regression uniforms (n)       the deal moves back one stage once (< regressionShare)
    8. regression human (n, 2, 2)    keep/clock uniforms of the move back and the move on again
    9. slip uniforms (n, S + 3)      per deal stage event: an overdue close date is pushed (< closeDateSlipShare)
   10. slip sizes (n, S + 3)         standard exponentials, x closeDateSlipCycles x avgSalesCycleDays
                                     (9 and 10 are values, drawn last and only in write mode)

Which contacts enter as other, skip MQL or stop is structure (count mode sees it: ``funnel_steps`` runs inside
``lead_timelines``); the slipped close dates are values (write mode only), but their uniforms are drawn here too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crmsim.vocabulary import LIFECYCLE_STAGES
from scenarios.parameters import DealPaths, ScenarioParameters

from .inputs import SimulationInputs
from .localtime import Calendar, human_times, not_before
from .streams import SLOT_PATHS, stream
from .touches import ONBOARDING_DAYS

DAY = 86_400
NEVER = np.iinfo(np.int64).max // 4
SUBSCRIBER, LEAD, MQL, SQL, OPPORTUNITY, CUSTOMER, EVANGELIST, OTHER = (
    LIFECYCLE_STAGES.index(stage)
    for stage in (
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
        "evangelist",
        "other",
    )
)
ENTER_SUBSCRIBER, ENTER_LEAD, ENTER_OTHER = 0, 1, 2

NO_STEP, RECYCLED, LOST_TO_LEAD, LOST_TO_OTHER, EVANGELIZED = range(5)
"""What happens after the story (at most one step per contact: the stories exclude each other)."""
AFTER_STAGE = np.array((-1, LEAD, LEAD, OTHER, EVANGELIST), dtype=np.int64)
AFTER_STATUS = np.array(("", "OPEN", "BAD_TIMING", "UNQUALIFIED", "CONNECTED"), dtype=object)
"""The lead status each step sets: a recycled contact is open again (its stop set UNQUALIFIED or BAD_TIMING); a
lost deal's contact goes back to nurture with BAD_TIMING, or out as other with UNQUALIFIED; an evangelist stays
CONNECTED, as customers are."""
LOST_RETURN_CYCLES = 0.1
"""Mean delay between a lost close and the rep (or a workflow) resetting its contacts, in sales cycles: a funnel
dwell (6 days B2B, under a day B2C). An assumption."""
EVANGELIST_CYCLES = 1.0
"""Mean time from the end of onboarding to a customer becoming an evangelist, in sales cycles. An assumption."""
REGRESSION_ROOM_DAYS = 10
"""A regression needs room: both moves, in the rep's working time, before the close. With this many days between
a deal's last open stage and its close 98-99% of them fit (measured: B2B 99.2%, B2C 98.2%; over all deals with two
visited stages 80% and 58%, as B2C closes often come a day or two after the last stage); the regression share is
measured over those deals."""
LIFECYCLE_COLUMNS = 7
"""Ladder columns subscriber .. customer, then the step after the story."""


@dataclass(frozen=True)
class PathDraws:
    """The ``(SLOT_PATHS, k)`` draws of one slot (module docstring)."""

    entry: np.ndarray
    skip_mql: np.ndarray
    after_u: np.ndarray
    after_delay: np.ndarray
    after_human: np.ndarray
    deal_skip_u: np.ndarray
    regression_u: np.ndarray
    regression_human: np.ndarray
    slip_u: np.ndarray
    slip_size: np.ndarray


def draw_paths(inputs: SimulationInputs, stages: int, k: int, n: int, values: bool = True) -> PathDraws:
    """The slot's draws; ``values=False`` (the plan, count mode) leaves out the slip draws, which only decide close
    dates and come last, so every other draw is the same either way."""
    p = inputs.parameters.funnelPaths
    rng = stream(inputs.seed, SLOT_PATHS, k)
    entry_u = rng.random(n)
    entry = np.where(
        entry_u < p.enterAsOtherShare,
        ENTER_OTHER,
        np.where(entry_u < p.enterAsOtherShare + p.enterAsLeadShare, ENTER_LEAD, ENTER_SUBSCRIBER),
    )
    skip_mql = rng.random(n) < p.skipToSqlShare
    after_u, after_delay, after_human = rng.random(n), rng.exponential(1.0, n), rng.random((n, 2))
    deal_skip_u, regression_u, regression_human = rng.random((n, stages)), rng.random(n), rng.random((n, 2, 2))
    slip_u = rng.random((n, stages + 3)) if values else np.empty((0, stages + 3))
    slip_size = rng.exponential(1.0, (n, stages + 3)) if values else np.empty((0, stages + 3))
    return PathDraws(
        entry=entry,
        skip_mql=skip_mql,
        after_u=after_u,
        after_delay=after_delay,
        after_human=after_human,
        deal_skip_u=deal_skip_u,
        regression_u=regression_u,
        regression_human=regression_human,
        slip_u=slip_u,
        slip_size=slip_size,
    )


def funnel_steps(draws: PathDraws, dropped: np.ndarray, dwell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ladder's (n, 4) drops and dwells with the entry and the skip applied: a contact created as lead passes
    subscriber at once (no drop, no dwell), one created as other stops there; a skipper passes MQL at once, so
    its SQL step comes when its MQL step would have (each stage's drop keeps its meaning for who reaches it)."""
    dropped, dwell = dropped.copy(), dwell.copy()
    lead = draws.entry == ENTER_LEAD
    dropped[lead, 0] = False
    dwell[lead, 0] = 0
    dropped[draws.entry == ENTER_OTHER, 0] = True
    dropped[draws.skip_mql, 2] = False
    dwell[draws.skip_mql, 2] = 0
    return dropped, dwell


def lost_stage_cdf(decay: float, stages: int) -> np.ndarray:
    """Cumulative share of lost deals dropping out at each open stage: weights decay^i, normalised."""
    weights = decay ** np.arange(stages, dtype=float)
    return np.cumsum(weights) / weights.sum()


def lost_stage_shares(decay: float, stages: int) -> np.ndarray:
    return np.diff(lost_stage_cdf(decay, stages), prepend=0.0)


def _compact(valid: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Valid entries of each row moved to its front (in column order): (count per row, the reordered columns; what
    follows a row's count is left as the fill of each column's first entry, meaningless)."""
    row, col = np.nonzero(valid)
    position = np.cumsum(valid, axis=1)[row, col] - 1
    out = []
    for c in columns:
        moved = np.empty_like(c)
        moved[...] = c[:, :1]
        moved[row, position] = c[row, col]
        out.append(moved)
    return valid.sum(axis=1), out


@dataclass(frozen=True)
class Path:
    """Events of each row, valid ones first in time order: ``codes`` (stage codes), ``times``, ``count``;
    ``source`` is the column each event came from (lifecycle: 0..5 the ladder, 6 the step after)."""

    codes: np.ndarray
    times: np.ndarray
    count: np.ndarray
    source: np.ndarray

    def kept(self, end: int) -> np.ndarray:
        """Events that happen inside the window: a prefix of each row."""
        return (np.arange(self.codes.shape[1]) < self.count[:, None]) & (self.times < end)


def _path(valid: np.ndarray, codes: np.ndarray, times: np.ndarray) -> Path:
    """The valid events of each row, compacted; times past a row's count are NEVER."""
    n, width = valid.shape
    source = np.broadcast_to(np.arange(width), (n, width))
    count, (codes, times, source) = _compact(valid, codes, times, source)
    times = np.where(np.arange(width) < count[:, None], times, NEVER)
    return Path(codes=codes, times=times, count=count, source=source)


def deal_path(
    draws: PathDraws,
    rules: DealPaths,
    deal_times: np.ndarray,
    transitions: np.ndarray,
    won: np.ndarray,
    closing_code: np.ndarray,
    zone: np.ndarray,
    profile: int,
    cal: Calendar,
) -> Path:
    """Stage events of the deal each lead would open: the ladder (``deal_times`` (n, S + 1), the close at column
    ``transitions``) with skipped open stages left out (any after the first; a lost deal keeps the stage it drops
    out at) and, for a share of the deals with two visited open stages, a move back from the last visited stage to
    the one before and on again, between the last stage and the close, in the rep's working time (where the two
    fit in before the close, as they do with REGRESSION_ROOM_DAYS of room)."""
    n, width = deal_times.shape
    stages = width - 1
    rows = np.arange(n)
    col = np.arange(stages)
    last_open = transitions - 1
    reached = col <= last_open[:, None]
    skippable = (col >= 1) & reached & (won[:, None] | (col < last_open[:, None]))
    visited = reached & ~(skippable & (draws.deal_skip_u < rules.stageSkipShare))
    last = stages - 1 - np.argmax(visited[:, ::-1], axis=1)
    before = visited & (col < last[:, None])
    previous = stages - 1 - np.argmax(before[:, ::-1], axis=1)
    at_last, close = deal_times[rows, last], deal_times[rows, transitions]
    back, again = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    regress = before.any(axis=1) & (draws.regression_u < rules.regressionShare)
    r = np.flatnonzero(regress)  # the moves' times are worked out only where one is drawn
    keep_u, clock_u = draws.regression_human[r, 0], draws.regression_human[r, 1]
    nominal = at_last[r, None] + ((close[r] - at_last[r])[:, None] * np.array([1, 2])) // 3
    moved = human_times(nominal, zone[r, None], profile, keep_u, clock_u, cal)
    profiles = np.full(r.size, profile)
    back[r] = not_before(moved[:, 0], at_last[r] + 1, zone[r], profiles, keep_u[:, 0], cal)
    again[r] = not_before(moved[:, 1], back[r] + 1, zone[r], profiles, keep_u[:, 1], cal)
    # Only where both moves fit, in working time, before the close (a close hours after the last stage has no
    # room for a step back).
    regress &= (back > at_last) & (again > back) & (again < close)
    times = np.column_stack((deal_times[:, :stages], back, again, close))
    codes = np.column_stack((np.broadcast_to(col, (n, stages)), previous, last, closing_code))
    valid = np.column_stack((visited, regress, regress, np.ones(n, dtype=bool)))
    return _path(valid, codes, times)


def lifecycle_path(
    draws: PathDraws,
    parameters: ScenarioParameters,
    lifecycle: np.ndarray,
    valid: np.ndarray,
    depth: np.ndarray,
    on_deal: np.ndarray,
    won: np.ndarray,
    close: np.ndarray,
    zone: np.ndarray,
    profile: int,
    cal: Calendar,
) -> tuple[Path, np.ndarray]:
    """Lifecycle events of the slot's contacts and what happens after each story (NO_STEP .. EVANGELIZED).

    ``lifecycle``/``valid`` (n, 6) are the ladder (subscriber .. customer, the customer step at the deal's close).
    The entry replaces the subscriber step (lead: left out, the lead step is at arrival; other: the one event);
    a skipper's MQL step is left out. Then at most one step after the story, never before its last step:
    a contact stopped at MQL or SQL without a deal is recycled to lead after nurture (from when its next step
    would have come); a lost deal's contacts go back to lead or to other after the loss; a won deal's contacts
    may become evangelists after onboarding.
    """
    fp = parameters.funnelPaths
    n = depth.size
    rows = np.arange(n)
    cycle = parameters.avgSalesCycleDays * DAY
    codes = np.empty((n, LIFECYCLE_COLUMNS), dtype=np.int64)
    codes[:, :6] = np.arange(6)
    codes[draws.entry == ENTER_OTHER, 0] = OTHER
    valid = np.column_stack((valid, np.zeros(n, dtype=bool)))
    valid[draws.entry == ENTER_LEAD, 0] = False
    valid[:, MQL] &= ~(draws.skip_mql & (depth >= 3))

    u = draws.after_u
    lost = on_deal & ~won
    to_lead = u < fp.lostToLeadShare
    to_other = ~to_lead & ((u - fp.lostToLeadShare) < fp.lostToOtherShare * (1.0 - fp.lostToLeadShare))
    stopped = ~on_deal & ((depth == MQL) | (depth == SQL))
    kind = np.select(
        [stopped & (u < fp.recycleShare), lost & to_lead, lost & to_other, won & (u < fp.evangelistShare)],
        [RECYCLED, LOST_TO_LEAD, LOST_TO_OTHER, EVANGELIZED],
        NO_STEP,
    )
    recycled, evangelized = kind == RECYCLED, kind == EVANGELIZED
    mean = np.where(recycled, fp.nurtureCycles, np.where(evangelized, EVANGELIST_CYCLES, LOST_RETURN_CYCLES))
    start = np.where(recycled, lifecycle[rows, np.minimum(depth + 1, OPPORTUNITY)], close)
    start = start + evangelized * (ONBOARDING_DAYS * DAY)
    has_step = kind != NO_STEP
    s = np.flatnonzero(has_step)  # times are worked out only for the contacts that take a step
    nominal = start[s] + np.rint(draws.after_delay[s] * mean[s] * cycle).astype(np.int64)
    last = np.where(valid[s, :6], lifecycle[s], np.iinfo(np.int64).min).max(axis=1)
    keep_u, clock_u = draws.after_human[s, 0], draws.after_human[s, 1]
    moved = human_times(nominal, zone[s], profile, keep_u, clock_u, cal)
    after = np.full(n, NEVER, dtype=np.int64)
    after[s] = np.maximum(not_before(moved, last + 1, zone[s], np.full(s.size, profile), keep_u, cal), last + 1)
    times = np.column_stack((lifecycle, after))
    codes[:, 6] = AFTER_STAGE[kind]
    valid[:, 6] = has_step
    return _path(valid, codes, times), kind


def close_dates(
    path: Path,
    stages: int,
    expected: np.ndarray,
    slip_u: np.ndarray,
    slip_size: np.ndarray,
    rules: DealPaths,
    cycle_days: float,
) -> np.ndarray:
    """(m, D) the close date each deal stage event sets: the close time on closedwon/closedlost; otherwise the
    rep's expected close date (``expected``, whole UTC days), pushed out at a stage change that finds it already
    past (an earlier UTC day) with chance closeDateSlipShare, to the change's day plus at least one whole day
    (exponential, mean closeDateSlipCycles x cycle_days). Codes 0..S-1 are the open stages; ``slip_u`` and
    ``slip_size`` are the deals' rows of the draws; entries past a row's count are meaningless."""
    closing = path.codes >= stages  # closedwon and closedlost come after the S open stages
    forecast = expected.astype(np.int64).copy()
    out = np.empty(path.times.shape, dtype=np.int64)
    slip_days = np.maximum(1, np.ceil(slip_size * rules.closeDateSlipCycles * cycle_days)).astype(np.int64)
    for c in range(path.times.shape[1]):
        day = path.times[:, c] // DAY
        push = ~closing[:, c] & (forecast < day * DAY) & (slip_u[:, c] < rules.closeDateSlipShare)
        forecast = np.where(push, (day + slip_days[:, c]) * DAY, forecast)
        out[:, c] = np.where(closing[:, c], path.times[:, c], forecast)
    return out
