"""Account-level decisions, made once for the whole simulation at plan time (never slot by slot).

Contacts of one account live in different slots, so who opens a deal, who joins one, what kind of deal it is
and who sits on its buying committee are decided here from the plan's global arrays (pure numpy, O(N log N)),
in count mode too; a slot then writes its share. See docs/engine.md "Accounts".

Rules:

* A lead whose opportunity moment comes while its account has an open deal **joins** that deal (no new deal);
  otherwise it **opens** one: at most one open deal per account at any time.
* A deal opened after the account has won a deal (closed before the new one opens) is ``existingbusiness``
  (an expansion or renewal); every other deal is ``newbusiness``.
* The committee of a deal: its opener (primary), the leads that joined it, and then account contacts who had
  arrived by the deal's creation (earliest first) until the deal's drawn target size is reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .catalog import ACCOUNTS_PER_REP, COMMITTEE_SIZE, COUNTRY_MIX, MAX_REPS, MIN_REPS, REPS_PER_MANAGER
from .streams import COMMITTEES, stream


@dataclass(frozen=True)
class Deals:
    deal_of: np.ndarray
    """(N,) key of the deal each lead is on (its own key when it opened it), -1 for none."""
    existing: np.ndarray
    """(N,) True where the lead opened an ``existingbusiness`` deal."""


def resolve_deals(
    company: np.ndarray, opportunity_at: np.ndarray, close: np.ndarray, won: np.ndarray, end: int
) -> Deals:
    """Who opens and who joins deals. Processed in rounds: each round, every account's earliest unassigned
    opportunity opens a deal and every later one before that deal's close joins it (rounds <= deals per
    account)."""
    n = company.size
    deal_of = np.full(n, -1, dtype=np.int64)
    existing = np.zeros(n, dtype=bool)
    candidates = np.flatnonzero(opportunity_at < end)
    order = np.lexsort((candidates, opportunity_at[candidates], company[candidates]))
    lead = candidates[order]
    account = company[lead]
    at = opportunity_at[lead]
    won_at = np.full(int(company.max()) + 1 if n else 0, np.iinfo(np.int64).max, dtype=np.int64)
    pending = np.arange(lead.size)
    while pending.size:
        pending_account = account[pending]
        first = pending[np.r_[True, pending_account[1:] != pending_account[:-1]]]
        opener = lead[first]
        opener_close = close[opener]
        existing[opener] = won_at[account[first]] < at[first]
        position = np.searchsorted(account[first], pending_account)
        joins = at[pending] < opener_close[position]
        deal_of[lead[pending[joins]]] = opener[position[joins]]
        wins = won[opener]
        np.minimum.at(won_at, account[first][wins], opener_close[wins])
        pending = pending[~joins]
    return Deals(deal_of=deal_of, existing=existing)


@dataclass(frozen=True)
class Committees:
    """Deal-contact rows sorted by (deal_key, contact_key)."""

    deal_key: np.ndarray
    contact_key: np.ndarray
    is_primary: np.ndarray
    associated_at: np.ndarray
    """When the contact joined the deal (the deal's creation, or a joiner's opportunity moment)."""

    def slot_rows(self, lo: int, hi: int) -> tuple[int, int]:
        """Row range of the deals opened by leads [lo, hi)."""
        first, last = np.searchsorted(self.deal_key, [lo, hi])
        return int(first), int(last)


def build_committees(
    seed: int,
    style: str,
    company: np.ndarray,
    arrivals: np.ndarray,
    opportunity_at: np.ndarray,
    deal_of: np.ndarray,
    company_sizes: np.ndarray,
    by_company: np.ndarray,
) -> Committees:
    """Every deal's buying committee (see the module's rules); targets from the ``(COMMITTEES,)`` stream."""
    n = company.size
    low, high = COMMITTEE_SIZE[style]
    target = stream(seed, COMMITTEES).integers(low, high + 1, n).astype(np.int32)

    # In-place and narrow where it is N-sized: this step sets the plan's peak memory (docs/performance.md).
    lead = np.arange(n)
    opener = np.flatnonzero(deal_of == lead)
    joiner = np.flatnonzero((deal_of >= 0) & (deal_of != lead))
    del lead
    joined = np.bincount(deal_of[joiner], minlength=n)[opener]
    extra = np.maximum(target[opener] - 1 - joined, 0)
    del target
    created = opportunity_at[opener]

    # Account members in arrival order (``by_company``: leads stably sorted by company, so group g holds
    # company g's members in lead index = arrival order).
    group_start = np.cumsum(company_sizes) - company_sizes
    origin = int(arrivals.min()) if n else 0
    member_key = company[by_company].astype(np.int64, copy=False)
    member_key <<= 32
    member_key |= arrivals[by_company] - origin
    account = company[opener]
    arrived = np.searchsorted(member_key, (account << 32) | (created - origin), side="left") - group_start[account]
    pair_deal = np.repeat(np.arange(opener.size), arrived)
    rank = np.arange(pair_deal.size) - np.repeat(np.cumsum(arrived) - arrived, arrived)
    member = by_company[group_start[account][pair_deal] + rank]
    free = (member != opener[pair_deal]) & (deal_of[member] != opener[pair_deal])
    running = np.cumsum(free)
    taken = running - np.repeat(np.r_[0, running][np.cumsum(arrived) - arrived], arrived)
    pick = free & (taken <= extra[pair_deal])

    deal_key = np.concatenate([opener, deal_of[joiner], opener[pair_deal[pick]]])
    contact_key = np.concatenate([opener, joiner, member[pick]])
    primary = np.concatenate([np.ones(opener.size, bool), np.zeros(joiner.size + int(pick.sum()), bool)])
    associated = np.concatenate([created, opportunity_at[joiner], created[pair_deal[pick]]])
    order = np.lexsort((contact_key, deal_key))
    return Committees(deal_key[order], contact_key[order], primary[order], associated[order])


@dataclass(frozen=True)
class Team:
    """The simulated seller's sales team: owner keys 0..size-1, team by team (managers first)."""

    territory: np.ndarray
    """Index into catalog.COUNTRIES of each owner's team."""
    is_manager: np.ndarray
    reps: tuple[np.ndarray, ...]
    """Per territory, the owner keys of its reps (who own accounts)."""

    @property
    def size(self) -> int:
        return int(self.territory.size)


def build_team(style: str, companies: int, leads: int) -> Team:
    """Reps from the account load (B2B: accounts per account executive; B2C: leads per associate), split
    over territories by the style's country mix (largest remainder, at least one each), plus one manager per
    REPS_PER_MANAGER reps of a team. A function of counts only, so count mode knows the owner rows."""
    units = companies if style == "b2b" else leads
    total = int(np.clip(-(-units // ACCOUNTS_PER_REP[style]), MIN_REPS, MAX_REPS))
    mix = np.asarray(COUNTRY_MIX[style])
    share = mix * (total - mix.size)
    reps = 1 + np.floor(share).astype(np.int64)
    remainder = total - int(reps.sum())
    reps[np.argsort(-(share - np.floor(share)), kind="stable")[:remainder]] += 1
    territory: list[int] = []
    manager: list[bool] = []
    rep_keys: list[np.ndarray] = []
    for c, count in enumerate(reps.tolist()):
        managers = -(-count // REPS_PER_MANAGER)
        start = len(territory) + managers
        territory += [c] * (managers + count)
        manager += [True] * managers + [False] * count
        rep_keys.append(np.arange(start, start + count, dtype=np.int64))
    return Team(np.asarray(territory, dtype=np.int64), np.asarray(manager, dtype=bool), tuple(rep_keys))
