"""Structure: every lead's lifecycle, the deal it would open, and its activities, truncated at window end.

Only structure streams are drawn here (never cosmetic values), so count mode and write mode see identical
structure. Two streams per slot k, each drawn whatever the outcome so a stream never shifts:

``(SLOT_STRUCTURE, k)`` for the slot's n leads (``lead_timelines``, which the plan also runs for every slot to
decide accounts globally):

    1. funnel uniforms (n, 4)       a lead stops at stage s when u[s] < dropProbabilities[s]
    2. dwell exponentials (n, 4)    x DWELL_FRACTION x avgSalesCycleDays, whole seconds, at least 1 s
    3. amount normals (n)           ln(target amount) = mu + sigma z
    4. win uniforms (n)             won when u < the deal's win probability (``outcomes.win_probability``)
    5. lost stage uniforms (n)      the open pipeline stage a lost deal reached (``paths.lost_stage_cdf``)
    6. cycle gammas (n)             unused since engine 4 (``outcomes``: a copula on the same Gamma); drawn
                                    so that the later draws keep their place
    7. split exponentials (n, S)    the first m normalised = Dirichlet(1,...,1) share of each transition
    8. discount integers (n)        index into the style's DISCOUNTS
    9. product uniforms (n)         which eligible price-book product carries the amount
   10. human-time uniforms (n, 2, 2 + S)  keep/clock uniforms of the rep's steps: SQL, opportunity and every
                                    deal stage change (``localtime.human_times``)
   11. rush uniforms (n, 2)         whether the close joins the month-end rush, and on which of the last days

``(SLOT_ACTIVITIES, k)`` (``slot_structure``):

    1. activity counts (n, 5)       notes, tasks, calls, emails, meetings uniform in their [lo, hi]
    2. activity uniforms (sum)      position inside the activity's span (``touches``: rep touches from the
                                    MQL step, e-mails from arrival, meetings on the deal; a won deal's span
                                    runs ONBOARDING_DAYS past the close)
    3. human uniforms (sum, 3)      keep, clock (``localtime.human_times``) and inbound (calls and e-mails
                                    the contact starts)

``(SLOT_OUTCOMES, k)`` and ``(SLOT_OUTCOMES, k, 1)``: see ``outcomes``.
``(SLOT_PATHS, k)``: entries, skips, returns and deal paths (``paths``).

Which deal a lead is on (its own, or an open one of its account that it joins) comes from the plan
(``plan.deal_of``), decided globally; a lead on a deal takes that deal's close and outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crmsim.vocabulary import GENERATED_ACTIVITY_TYPES

from . import outcomes
from .catalog import (
    DISCOUNTS,
    EMAILS_PER_LEAD,
    MEETINGS_PER_DEAL,
    OPEN_STAGES,
    PRICE_BOOKS,
    PRICE_FIT,
)
from .inputs import SimulationInputs
from .localtime import CAMPAIGN_PROFILE, CONSUMER_PROFILE, REP_PROFILE, human_times, not_before, window_calendar
from .paths import (
    ENTER_LEAD,
    Path,
    PathDraws,
    deal_path,
    draw_paths,
    funnel_steps,
    lifecycle_path,
    lost_stage_cdf,
)
from .streams import SLOT_ACTIVITIES, SLOT_STRUCTURE, stream
from .touches import ONBOARDING_DAYS

DAY = 86_400
DWELL_FRACTION = 0.1
"""Mean dwell before each funnel step (subscriber->lead->MQL->SQL->opportunity), as a fraction of
avgSalesCycleDays."""
CYCLE_SHAPE = 4.0
"""Shape of the Gamma deal cycle (a whole number: ``outcomes.score_to_gamma``); its mean is avgSalesCycleDays
whatever the shape."""

INBOUND_CALLS = {"b2b": 0.25, "b2c": 0.55}
"""Share of calls the contact places: B2B reps prospect; consumers call in about as often as they are called."""
INBOUND_EMAILS = 0.35
"""Share of a worked lead's e-mails the contact sends (marketing e-mails are always sent by the portal)."""

# The month-end close rush (the scenario's ``closeRush``, B2B 0.4, B2C 0): the chance that a close falling in
# the last 4-10 days of a month, or the first 5 of the next, is moved to one of the month's last RUSH_DAYS days
# (x QUARTER_RUSH in a quarter's last month, capped at 1): reps push deals over the line for the month's number and
# pull next month's in. B2C buyers keep no quota. An assumption, sized so the last three days of a B2B month get two
# to three times their calendar share of closes.
QUARTER_RUSH = 1.5
RUSH_DAYS = 3
RUSH_PUSH_DAYS = 10
RUSH_PULL_DAYS = 5


def month_end_rush(close: np.ndarray, u: np.ndarray, strength: float) -> np.ndarray:
    """Closes moved into their month's last RUSH_DAYS days (the close rush above, ``strength`` its chance); the
    time of day is kept and a Saturday or Sunday becomes the Friday before. ``u`` is (n, 2) uniforms."""
    if strength <= 0 or close.size == 0:
        return close
    day = close // DAY
    month = day.astype("datetime64[D]").astype("datetime64[M]")
    month_start = month.astype("datetime64[D]").astype(np.int64)
    next_start = (month + 1).astype("datetime64[D]").astype(np.int64)
    pull = day - month_start < RUSH_PULL_DAYS
    last_month_is_quarter_end = (month.astype(np.int64) - 1) % 3 == 2
    quarter_end = np.where(pull, last_month_is_quarter_end, month.astype(np.int64) % 3 == 2)
    chance = np.minimum(strength * np.where(quarter_end, QUARTER_RUSH, 1.0), 1.0)
    push = (next_start - day > RUSH_DAYS) & (next_start - day <= RUSH_PUSH_DAYS)
    end_day = np.where(pull, month_start, next_start)  # the first day after the month that rushes
    target = end_day - 1 - np.minimum((u[:, 1] * RUSH_DAYS).astype(np.int64), RUSH_DAYS - 1)
    weekday = (target + 3) % 7
    target = target - np.maximum(weekday - 4, 0)
    moved = (push | pull) & (u[:, 0] < chance) & (close < np.iinfo(np.int64).max // 8)
    return np.where(moved, close + (target - day) * DAY, close)


def rush_share(first_day: int, last_day: int, strength: float) -> float:
    """Expected share of closes in a month's last RUSH_DAYS days when closes spread evenly over the epoch days
    ``first_day .. last_day - 1`` and the month-end rush has ``strength``."""
    day = np.arange(first_day, last_day, dtype=np.int64)
    next_start = (day.astype("datetime64[D]").astype("datetime64[M]") + 1).astype("datetime64[D]").astype(np.int64)
    in_last = (next_start - day <= RUSH_DAYS).astype(np.float64)
    landed = np.zeros(day.size)
    for k in range(RUSH_DAYS):
        u = np.full((day.size, 2), 0.0)
        u[:, 1] = (k + 0.5) / RUSH_DAYS
        moved = month_end_rush(day * DAY, u, 1.0) // DAY  # u[:, 0] = 0: every eligible close moves
        target_next = (moved.astype("datetime64[D]").astype("datetime64[M]") + 1).astype("datetime64[D]")
        landed += (target_next.astype(np.int64) - moved <= RUSH_DAYS) / RUSH_DAYS
    eligible = month_end_rush(day * DAY, np.zeros((day.size, 2)), 1.0) != day * DAY
    month = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    pull = day - (month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)) < RUSH_PULL_DAYS
    quarter_end = np.where(pull, (month - 1) % 3 == 2, month % 3 == 2)
    chance = np.where(eligible, np.minimum(strength * np.where(quarter_end, QUARTER_RUSH, 1.0), 1.0), 0.0)
    return float(((1 - chance) * in_last + chance * landed).mean())


ACTIVITY_KINDS = len(GENERATED_ACTIVITY_TYPES)
NOTE, TASK, CALL, EMAIL, MEETING = range(ACTIVITY_KINDS)  # kind i is GENERATED_ACTIVITY_TYPES[i]
MAX_ACTIVITIES_PER_LEAD = 1000
"""Activity keys are contact_key * 1000 + j; the schema caps a lead at 3 x 50 activities, plus extras."""
NEVER = np.iinfo(np.int64).max // 4
"""The time of something that does not happen (no opportunity)."""


def stage_codes(style: str) -> tuple[int, int, int]:
    """(open stages S, closedwon code, closedlost code): codes 0..S-1 are the style's open stages."""
    s = len(OPEN_STAGES[style])
    return s, s, s + 1


@dataclass(frozen=True)
class LeadTimelines:
    """The ``(SLOT_STRUCTURE, k)`` draws of one slot, turned into times."""

    depth: np.ndarray
    """Funnel steps passed, 0..4; 4 = reached opportunity (perhaps after the window's end)."""
    lifecycle: np.ndarray
    """(n, 5) times of subscriber .. opportunity (meaningful up to ``depth``)."""
    won: np.ndarray
    transitions: np.ndarray
    deal_times: np.ndarray
    """(n, S + 1) stage times of the deal the lead would open at its opportunity."""
    deal_codes: np.ndarray
    close_time: np.ndarray
    amount_cents: np.ndarray
    product: np.ndarray
    """Index into the style's price book."""
    discount: np.ndarray
    quantity: np.ndarray
    paths: PathDraws

    @property
    def opportunity_at(self) -> np.ndarray:
        return np.where(self.depth == 4, self.lifecycle[:, 4], NEVER)


def _fit_prices(
    style: str, target: np.ndarray, discount: np.ndarray, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(product, quantity, amount in currency units) for each target: quantity x list price x (1 - discount)
    within PRICE_FIT (log distance) of the target, the product picked at random among the eligible ones; when
    none is eligible, the closest."""
    book = PRICE_BOOKS[style]
    price = np.array([p.price for p in book], dtype=float)
    most = np.array([p.most for p in book], dtype=float)
    unit = price[None, :] * (1.0 - np.asarray(DISCOUNTS[style])[discount])[:, None]
    quantity = np.clip(np.rint(target[:, None] / unit), 1.0, most[None, :])
    amount = quantity * unit
    error = np.abs(np.log(amount / target[:, None]))
    eligible = error <= PRICE_FIT
    count = eligible.sum(axis=1)
    pick = np.floor(u * np.maximum(count, 1))
    chosen = np.argmax(np.cumsum(eligible, axis=1) > pick[:, None], axis=1)
    chosen = np.where(count > 0, chosen, np.argmin(error, axis=1))
    rows = np.arange(target.size)
    return chosen, quantity[rows, chosen].astype(np.int64), amount[rows, chosen]


def lead_timelines(
    inputs: SimulationInputs,
    style: str,
    arrival: np.ndarray,
    zone: np.ndarray,
    k: int,
    drivers: outcomes.OutcomeDrivers,
    amounts: bool = True,
) -> LeadTimelines:
    """Funnel and would-be deal of slot k's leads (arrivals and time zones given), from ``(SLOT_STRUCTURE, k)``
    and ``(SLOT_OUTCOMES, k)`` only (``drivers``: the leads' accounts and owners). The rep's steps (SQL,
    opportunity, deal stage changes and the close) happen in working time.

    ``amounts=False`` skips the final amounts (the plan and count mode need times and outcomes only); the
    product is picked either way (outcomes depend on it), the streams are drawn the same, and the quantity and
    amount columns are then empty.
    """
    n = arrival.size
    p = inputs.parameters
    rng = stream(inputs.seed, SLOT_STRUCTURE, k)
    cycle_seconds = p.avgSalesCycleDays * DAY
    stages, won_code, lost_code = stage_codes(style)

    dropped = rng.random((n, 4)) < np.asarray(p.dropProbabilities)
    dwell = np.maximum(1, np.rint(rng.exponential(DWELL_FRACTION * cycle_seconds, (n, 4)))).astype(np.int64)
    z0 = rng.standard_normal(n)
    win_u = rng.random(n)
    lost_cdf = lost_stage_cdf(p.dealPaths.lostStageDecay, stages)
    lost_at = np.minimum(np.searchsorted(lost_cdf, rng.random(n), side="right"), stages - 1)
    rng.gamma(CYCLE_SHAPE, cycle_seconds / CYCLE_SHAPE, n)
    split = rng.exponential(1.0, (n, stages))
    discount = rng.integers(0, len(DISCOUNTS[style]), n)
    product_u = rng.random(n)
    human_u = rng.random((n, 2, 2 + stages))
    rush_u = rng.random((n, 2))
    paths = draw_paths(inputs, stages, k, n, values=amounts)
    dropped, dwell = funnel_steps(paths, dropped, dwell)

    rows = np.arange(n)
    depth = np.cumprod(~dropped, axis=1).sum(axis=1)
    amount = p.dealAmount
    target = np.clip(np.exp(amount.mu + amount.sigma * outcomes.amount_score(p, drivers, z0)), amount.min, amount.max)
    product = _fit_prices(style, target, discount, product_u)[0]
    outcome = outcomes.deal_cycle(p, style, drivers, z0, product, inputs.seed, k, int(CYCLE_SHAPE))
    cycle = outcome.cycle
    nominal_close = arrival + dwell.sum(axis=1) + cycle.astype(np.int64)
    won = win_u < outcomes.win_probability(p, style, drivers, outcome, product, nominal_close)

    transitions = np.where(won, stages, lost_at + 1)
    weights = split * (np.arange(stages) < transitions[:, None])
    shares = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    lifecycle = np.empty((n, 5), dtype=np.int64)
    lifecycle[:, 0] = arrival - (paths.entry == ENTER_LEAD)  # a contact created as lead: its lead step at arrival
    lifecycle[:, 1:5] = arrival[:, None] + np.cumsum(dwell, axis=1)
    cal = window_calendar(inputs.start, inputs.end, p.seasonalSlowdown)
    rep = REP_PROFILE[style]
    # Stage times are laid out on the nominal clock, then each moves to working time on its own; so the
    # deal's stage times hang off the nominal creation and every move has the same expected shift, which
    # cancels in the cycle (a deal's mean cycle stays avgSalesCycleDays).
    # Only the steps that happen are moved (a lead that stops earlier keeps its nominal would-be times, which
    # only bound its touches' span): SQL for leads reaching it, the rest for leads reaching opportunity.
    nominal_created = lifecycle[:, 4].copy()
    sql, opp = np.flatnonzero(depth >= 3), np.flatnonzero(depth == 4)
    lifecycle[sql, 3] = human_times(lifecycle[sql, 3], zone[sql], rep, human_u[sql, 0, 0], human_u[sql, 1, 0], cal)
    lifecycle[opp, 4] = human_times(lifecycle[opp, 4], zone[opp], rep, human_u[opp, 0, 1], human_u[opp, 1, 1], cal)
    lifecycle[:, 3] = np.minimum(lifecycle[:, 3], lifecycle[:, 4] - 1)  # order kept by moving SQL, not the deal
    lifecycle = np.maximum.accumulate(lifecycle - np.arange(5), axis=1) + np.arange(5)
    lifecycle[:, 2] = np.where(paths.skip_mql & (depth >= 3), lifecycle[:, 3], lifecycle[:, 2])  # worked from SQL
    created = lifecycle[:, 4]
    deal_times = np.empty((n, stages + 1), dtype=np.int64)
    deal_times[:, 0] = created
    deal_times[:, 1:] = nominal_created[:, None] + np.floor(cycle[:, None] * shares).astype(np.int64)
    step = np.arange(stages + 1)
    deal_times[opp, 1:] = human_times(
        deal_times[opp, 1:], zone[opp, None], rep, human_u[opp, 0, 2:], human_u[opp, 1, 2:], cal
    )
    closing = deal_times[opp, transitions[opp]]
    deal_times[opp, transitions[opp]] = month_end_rush(closing, rush_u[opp], p.closeRush)
    # Strictly increasing seconds up to the close, which stays where it is: earlier stages give way (moving the
    # close would bias the cycle); stages after the close of a lost deal never happen.
    deal_times[:, 1:] = np.where(step[1:] <= transitions[:, None], deal_times[:, 1:], NEVER)
    deal_times = np.minimum.accumulate((deal_times - step)[:, ::-1], axis=1)[:, ::-1] + step
    deal_times[:, 0] = created
    deal_times = np.maximum.accumulate(deal_times - step, axis=1) + step
    close_time = deal_times[rows, transitions]
    deal_codes = np.broadcast_to(step, (n, stages + 1)).copy()
    deal_codes[rows, transitions] = np.where(won, won_code, lost_code)

    discount = outcomes.quarter_end_discount(p, style, discount, close_time, outcome.discount_u)
    quantity = amount_cents = np.empty(0, dtype=np.int64)
    if amounts:
        quantity, priced = outcomes.refit_quantity(style, target, product, discount)
        low, high = round(amount.min * 100), round(amount.max * 100)
        amount_cents = np.clip(np.rint(priced * 100), low, high).astype(np.int64)

    return LeadTimelines(
        depth=depth,
        lifecycle=lifecycle,
        won=won,
        transitions=transitions,
        deal_times=deal_times,
        deal_codes=deal_codes,
        close_time=close_time,
        amount_cents=amount_cents,
        product=product,
        discount=discount,
        quantity=quantity,
        paths=paths,
    )


@dataclass(frozen=True)
class SlotStructure:
    """The slot's timelines. ``*_kept`` masks are prefixes of each row (events are strictly increasing in time
    and the window cuts them)."""

    lo: int
    hi: int
    keys: np.ndarray
    arrival: np.ndarray
    timelines: LeadTimelines
    deal_of: np.ndarray
    """Key of the deal each lead is on (its own or one it joined), -1 for none."""
    lifecycle_times: np.ndarray
    lifecycle_kept: np.ndarray
    """The ladder (n, 6) subscriber .. customer, as stage-aware touches read it."""
    lifecycle_path: Path
    """The contact's lifecycle events (``paths.lifecycle_path``); ``path_kept`` the ones inside the window."""
    path_kept: np.ndarray
    after_kind: np.ndarray
    deal_path: Path
    """Stage events of the deal each lead would open (skips and a regression applied; ``paths.deal_path``);
    ``timelines.deal_times`` stays the ladder (touches read it)."""
    final_stage: np.ndarray
    deal_kept: np.ndarray
    """The lead opened a deal (inside the window): the slot writes it."""
    deal_events_kept: np.ndarray
    deal_final_code: np.ndarray
    closed: np.ndarray
    activity_lead: np.ndarray
    """Slot-local lead index of every kept activity (grouped by lead, kinds in order)."""
    activity_kind: np.ndarray
    activity_time: np.ndarray
    activity_inbound: np.ndarray
    """The contact started it (an inbound call, an e-mail the contact sent)."""
    activity_campaign: np.ndarray
    """A marketing e-mail (sent while the lead is a subscriber or lead, at campaign send times)."""

    @property
    def size(self) -> int:
        return self.hi - self.lo

    def last_event_at(self) -> int:
        times = [self.lifecycle_path.times[self.path_kept].max()]
        if self.deal_events_kept.any():
            times.append(self.deal_path.times[self.deal_events_kept].max())
        if self.activity_time.size:
            times.append(self.activity_time.max())
        return int(max(times))


def slot_structure(plan, k: int, amounts: bool = True) -> SlotStructure:  # plan: engine.plan.Plan
    """Slot k's structure; ``amounts=False`` (count mode) leaves the deal amounts out."""
    lo, hi = plan.slot_leads(k)
    n = hi - lo
    p = plan.inputs.parameters
    end = plan.inputs.end
    style = plan.scenario_style
    arrival = plan.arrivals[lo:hi]
    t = lead_timelines(
        plan.inputs, style, arrival, plan.lead_zone[lo:hi], k, plan.outcome_drivers.slice(lo, hi), amounts
    )
    keys = np.arange(lo, hi, dtype=np.int64)
    rows = np.arange(n)

    deal_of = plan.deal_of[lo:hi]
    on_deal = deal_of >= 0
    deal_index = np.where(on_deal, deal_of, 0)
    close = np.where(on_deal, plan.deal_close[deal_index], NEVER)
    won = on_deal & plan.deal_won[deal_index]
    opener = deal_of == keys

    lifecycle = np.empty((n, 6), dtype=np.int64)
    lifecycle[:, :5] = t.lifecycle
    lifecycle[:, 5] = close
    valid = np.empty((n, 6), dtype=bool)
    valid[:, 0] = True
    valid[:, 1:5] = t.depth[:, None] >= np.arange(1, 5)
    valid[:, 5] = won
    lifecycle_kept = valid & (lifecycle < end)
    zone, rep = plan.lead_zone[lo:hi], REP_PROFILE[style]
    cal = window_calendar(plan.inputs.start, end)
    path, after_kind = lifecycle_path(t.paths, p, lifecycle, valid, t.depth, on_deal, won, close, zone, rep, cal)
    path_kept = path.kept(end)
    final_stage = path.codes[rows, path_kept.sum(axis=1) - 1]

    closing = t.deal_codes[rows, t.transitions]
    deals = deal_path(t.paths, p.dealPaths, t.deal_times, t.transitions, t.won, closing, zone, rep, cal)
    deal_events_kept = opener[:, None] & deals.kept(end)
    deal_final_code = deals.codes[rows, np.maximum(deal_events_kept.sum(axis=1) - 1, 0)]
    closed = opener & (t.close_time < end)

    # Activities fall uniformly in their span (see touches): rep touches (notes, tasks, calls) from the MQL step
    # of a lead a rep works, e-mails from arrival, meetings from the opportunity; the span ends at the deal's
    # close (a won deal's: ONBOARDING_DAYS later) or, without a deal, when the lead would have taken its next
    # step. Then each moves to its actor's working time.
    rng = stream(plan.inputs.seed, SLOT_ACTIVITIES, k)
    style_emails, style_meetings = EMAILS_PER_LEAD[style], MEETINGS_PER_DEAL[style]
    bounds = np.array([p.notesPerLead, p.tasksPerLead, p.callsPerLead, style_emails, style_meetings], dtype=np.int64)
    counts = rng.integers(bounds[:, 0], bounds[:, 1] + 1, (n, ACTIVITY_KINDS))
    counts = outcomes.owner_volume(p, plan.outcome_drivers.slice(lo, hi), counts, bounds, plan.inputs.seed, k)
    counts[:, MEETING] *= on_deal
    counts[:, :EMAIL] *= (t.depth >= 2)[:, None]
    total = int(counts.sum())
    activity_u = rng.random(total)
    human_u = rng.random((total, 3))
    span_end = np.where(on_deal, close + won * (ONBOARDING_DAYS * DAY), lifecycle[rows, np.minimum(t.depth + 1, 4)])
    span_start = np.empty((n, ACTIVITY_KINDS), dtype=np.int64)
    span_start[:, :EMAIL] = t.lifecycle[:, 2:3]
    span_start[:, EMAIL] = arrival
    span_start[:, MEETING] = t.lifecycle[:, 4]
    per_lead = counts.ravel()
    activity_lead = np.repeat(np.repeat(rows, ACTIVITY_KINDS), per_lead)
    activity_kind = np.repeat(np.tile(np.arange(ACTIVITY_KINDS), n), per_lead)
    begin = span_start[activity_lead, activity_kind]
    nominal = begin + np.floor(activity_u * (span_end[activity_lead] - begin)).astype(np.int64)
    inbound = human_u[:, 2] < np.where(activity_kind == CALL, INBOUND_CALLS[style], INBOUND_EMAILS)
    campaign = (activity_kind == EMAIL) & ((t.depth[activity_lead] < 2) | (nominal < t.lifecycle[activity_lead, 2]))
    inbound &= ((activity_kind == CALL) | (activity_kind == EMAIL)) & ~campaign
    profile = np.where(campaign, CAMPAIGN_PROFILE, REP_PROFILE[style])
    if style == "b2c":
        profile = np.where(inbound, CONSUMER_PROFILE, profile)
    cal = window_calendar(plan.inputs.start, end, plan.inputs.parameters.seasonalSlowdown)
    zones = plan.lead_zone[lo + activity_lead]
    moved = human_times(nominal, zones, profile, human_u[:, 0], human_u[:, 1], cal)
    # Never before the span (a rep's or the contact's e-mail: never before the MQL step).
    floor = np.where((activity_kind == EMAIL) & ~campaign, t.lifecycle[activity_lead, 2], begin)
    activity_time = not_before(moved, floor, zones, profile, human_u[:, 0], cal)
    kept = activity_time < end

    return SlotStructure(
        lo=lo,
        hi=hi,
        keys=keys,
        arrival=arrival,
        timelines=t,
        deal_of=deal_of,
        lifecycle_times=lifecycle,
        lifecycle_kept=lifecycle_kept,
        lifecycle_path=path,
        path_kept=path_kept,
        after_kind=after_kind,
        deal_path=deals,
        final_stage=final_stage,
        deal_kept=opener,
        deal_events_kept=deal_events_kept,
        deal_final_code=deal_final_code,
        closed=closed,
        activity_lead=activity_lead[kept],
        activity_kind=activity_kind[kept],
        activity_time=activity_time[kept],
        activity_inbound=inbound[kept],
        activity_campaign=campaign[kept],
    )
