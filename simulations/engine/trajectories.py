"""Structure of one slot: every lead's lifecycle, deal and activity timeline, truncated at window end.

Only the slot's structure stream is drawn here (never cosmetic values), so count mode and write mode see
identical structure. Draw order from ``(SLOT_STRUCTURE, k)`` for the slot's n leads, each drawn whatever
the outcome so the stream never shifts:

    1. funnel uniforms (n, 4)       a lead stops at stage s when u[s] < dropProbabilities[s]
    2. dwell exponentials (n, 4)    x DWELL_FRACTION x avgSalesCycleDays, whole seconds, at least 1 s
    3. win uniforms (n)             won when u < dealWinRateBase
    4. lost stage integers (n)      0..4: the open pipeline stage a lost deal reached
    5. cycle gammas (n)             Gamma(CYCLE_SHAPE, 1 / CYCLE_SHAPE) x avgSalesCycleDays
    6. split exponentials (n, 5)    the first m normalised = Dirichlet(1,...,1) share of each transition
    7. amount normals (n)           ln(amount) = mu + sigma z, clipped to [min, max], rounded to cents
    8. activity counts (n, 3)       notes, tasks, calls uniform in their [lo, hi]
    9. activity uniforms (sum)      position inside the lead's active span
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crmsim.vocabulary import GENERATED_ACTIVITY_TYPES

from .plan import Plan
from .streams import SLOT_STRUCTURE, stream

DAY = 86_400
DWELL_FRACTION = 0.1
"""Mean dwell before each funnel step (subscriber->lead->MQL->SQL->opportunity), as a fraction of
avgSalesCycleDays."""
CYCLE_SHAPE = 4.0
"""Shape of the Gamma deal cycle; its mean is avgSalesCycleDays whatever the shape."""

CLOSED_WON = 5
CLOSED_LOST = 6
ACTIVITY_KINDS = len(GENERATED_ACTIVITY_TYPES)
MAX_ACTIVITIES_PER_LEAD = 1000
"""Activity keys are contact_key * 1000 + j; the schema caps a lead at 3 x 50 activities."""


@dataclass(frozen=True)
class SlotStructure:
    """The slot's timelines. Columns of the (n, 6) matrices are event sequence numbers; a ``*_kept`` mask
    is a prefix of each row (events are strictly increasing in time and the window cuts them)."""

    lo: int
    hi: int
    keys: np.ndarray
    arrival: np.ndarray
    lifecycle_times: np.ndarray
    lifecycle_kept: np.ndarray
    final_stage: np.ndarray
    deal_kept: np.ndarray
    deal_times: np.ndarray
    deal_codes: np.ndarray
    deal_events_kept: np.ndarray
    deal_final_code: np.ndarray
    close_time: np.ndarray
    closed: np.ndarray
    won: np.ndarray
    amount_cents: np.ndarray
    activity_lead: np.ndarray
    """Slot-local lead index of every kept activity (unsorted: grouped by lead, kinds in order)."""
    activity_kind: np.ndarray
    activity_time: np.ndarray

    @property
    def size(self) -> int:
        return self.hi - self.lo

    def last_event_at(self) -> int:
        times = [self.lifecycle_times[self.lifecycle_kept].max()]
        if self.deal_events_kept.any():
            times.append(self.deal_times[self.deal_events_kept].max())
        if self.activity_time.size:
            times.append(self.activity_time.max())
        return int(max(times))


def slot_structure(plan: Plan, k: int) -> SlotStructure:
    lo, hi = plan.slot_leads(k)
    n = hi - lo
    p = plan.inputs.parameters
    end = plan.inputs.end
    rng = stream(plan.inputs.seed, SLOT_STRUCTURE, k)
    cycle_seconds = p.avgSalesCycleDays * DAY

    dropped = rng.random((n, 4)) < np.asarray(p.dropProbabilities)
    dwell = np.maximum(1, np.rint(rng.exponential(DWELL_FRACTION * cycle_seconds, (n, 4)))).astype(np.int64)
    win_u = rng.random(n)
    lost_at = rng.integers(0, 5, n)
    cycle = rng.gamma(CYCLE_SHAPE, cycle_seconds / CYCLE_SHAPE, n)
    split = rng.exponential(1.0, (n, 5))
    z = rng.standard_normal(n)
    bounds = np.array([p.notesPerLead, p.tasksPerLead, p.callsPerLead], dtype=np.int64)
    counts = rng.integers(bounds[:, 0], bounds[:, 1] + 1, (n, ACTIVITY_KINDS))
    activity_u = rng.random(int(counts.sum()))

    rows = np.arange(n)
    arrival = plan.arrivals[lo:hi]
    depth = np.cumprod(~dropped, axis=1).sum(axis=1)  # funnel steps passed, 4 = opportunity
    has_deal = depth == 4
    won = has_deal & (win_u < p.dealWinRateBase)

    # Deal pipeline: m transitions after "appointmentscheduled" (5 when won, lost_at + 1 when lost).
    transitions = np.where(won, 5, lost_at + 1)
    weights = split * (np.arange(5) < transitions[:, None])
    shares = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    lifecycle = np.empty((n, 6), dtype=np.int64)
    lifecycle[:, 0] = arrival
    lifecycle[:, 1:5] = arrival[:, None] + np.cumsum(dwell, axis=1)
    created = lifecycle[:, 4]
    deal_times = np.empty((n, 6), dtype=np.int64)
    deal_times[:, 0] = created
    deal_times[:, 1:] = created[:, None] + np.floor(cycle[:, None] * shares).astype(np.int64)
    step = np.arange(6)
    deal_times = np.maximum.accumulate(deal_times - step, axis=1) + step  # strictly increasing seconds
    close_time = deal_times[rows, transitions]
    lifecycle[:, 5] = close_time

    lifecycle_valid = np.empty((n, 6), dtype=bool)
    lifecycle_valid[:, 0] = True
    lifecycle_valid[:, 1:5] = depth[:, None] >= np.arange(1, 5)
    lifecycle_valid[:, 5] = won
    lifecycle_kept = lifecycle_valid & (lifecycle < end)
    final_stage = lifecycle_kept.sum(axis=1) - 1

    deal_kept = has_deal & (created < end)
    deal_codes = np.broadcast_to(step, (n, 6)).copy()
    deal_codes[rows, transitions] = np.where(won, CLOSED_WON, CLOSED_LOST)
    deal_events_kept = deal_kept[:, None] & (step <= transitions[:, None]) & (deal_times < end)
    deal_final_code = deal_codes[rows, np.maximum(deal_events_kept.sum(axis=1) - 1, 0)]
    closed = deal_kept & (close_time < end)

    amount = np.clip(np.exp(p.dealAmount.mu + p.dealAmount.sigma * z), p.dealAmount.min, p.dealAmount.max)
    amount_cents = np.rint(amount * 100).astype(np.int64)

    # Activities fall uniformly in the lead's active span: arrival to deal close, or for a lead that
    # stopped at stage s, to when it would have taken its next step (its last dwell).
    span_end = np.where(has_deal, close_time, lifecycle[rows, np.minimum(depth + 1, 4)])
    span = span_end - arrival
    per_lead = counts.ravel()
    activity_lead = np.repeat(np.repeat(rows, ACTIVITY_KINDS), per_lead)
    activity_kind = np.repeat(np.tile(np.arange(ACTIVITY_KINDS), n), per_lead)
    activity_time = arrival[activity_lead] + np.floor(activity_u * span[activity_lead]).astype(np.int64)
    kept = activity_time < end

    return SlotStructure(
        lo=lo,
        hi=hi,
        keys=np.arange(lo, hi, dtype=np.int64),
        arrival=arrival,
        lifecycle_times=lifecycle,
        lifecycle_kept=lifecycle_kept,
        final_stage=final_stage,
        deal_kept=deal_kept,
        deal_times=deal_times,
        deal_codes=deal_codes,
        deal_events_kept=deal_events_kept,
        deal_final_code=deal_final_code,
        close_time=close_time,
        closed=closed,
        won=won,
        amount_cents=amount_cents,
        activity_lead=activity_lead[kept],
        activity_kind=activity_kind[kept],
        activity_time=activity_time[kept],
    )


def structure_counts(plan: Plan, k: int, s: SlotStructure) -> tuple[int, int, int, int, int, int]:
    """Rows per RECORD_TYPES for slot k (companies: only those it owns)."""
    first, last = plan.slot_companies(k)
    return (
        last - first,
        s.size,
        int(s.deal_kept.sum()),
        int(s.activity_time.size),
        int(s.lifecycle_kept.sum()),
        int(s.deal_events_kept.sum()),
    )
