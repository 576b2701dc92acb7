"""Cosmetic values decided for the whole simulation (companies, people, the sales team), built lazily.

Only write mode reaches this module (count mode never draws a value). Values that another slot may need
(a company's owner, a deal's owner, a contact's seniority for committee roles, e-mail uniqueness) are decided
here globally, from value streams keyed by the scenario (``streams.scenario_key``), so two scenarios with the
same seed share no people. Every array is indexed by company key, lead key or owner key.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .accounts import Team
from .blocks import compact, uniform_blocks
from .catalog import (
    BLANK_RATES,
    COUNTRIES,
    COUNTRY_MIX,
    INDUSTRY_WEIGHTS,
    REVENUE_PER_EMPLOYEE_LOG_MEAN,
    REVENUE_PER_EMPLOYEE_LOG_SD,
    SOURCE_MIX,
)
from .pools import pools
from .streams import COMPANY_VALUES, OWNER_VALUES, PERSON_VALUES, stream

EMPLOYEES_LOG_MEAN = 3.5
EMPLOYEES_LOG_SD = 1.5
EMPLOYEES_MAX = 500_000
NAME_STEP = 1_000_003
"""Multiplier of the per-country affine permutation of surname pairs (a prime, coprime with every pool's
size squared), so company names are unique within a country up to (surnames)^2 companies."""
HOUSEHOLD_SHARES_NAME = 0.85
"""Share of a household's further members who carry the household's surname (the rest: partners who kept
their own name, flatmates)."""
CONTACT_REASSIGNED = 0.06
DEAL_REASSIGNED = 0.08
"""Shares of contacts and deals owned by another rep of the territory than the account's owner (hand-overs,
leave, round-robin rebalancing; an assumption of a few per cent a half-year)."""

CITY_COUNTRY = np.array([c for c, country in enumerate(COUNTRIES) for _ in country.cities], dtype=np.int64)
CITY_NAME = np.array([city.name for country in COUNTRIES for city in country.cities], dtype=object)
CITY_TIMEZONE = np.array([city.timezone for country in COUNTRIES for city in country.cities], dtype=object)
COUNTRY_CODE = np.array([country.code for country in COUNTRIES], dtype=object)
US_TIMEZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
US_TIMEZONE_WEIGHTS = (0.5, 0.25, 0.08, 0.17)
TERRITORY_TIMEZONE = ("America/New_York", "Europe/London", "Europe/Berlin", "Europe/Paris")


def _choice(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    """Indices drawn with probabilities proportional to ``weights`` (one uniform each)."""
    cumulative = np.cumsum(np.asarray(weights, dtype=float))
    return np.searchsorted(cumulative / cumulative[-1], rng.random(size), side="right").clip(0, len(cumulative) - 1)


def occurrence(values: np.ndarray) -> np.ndarray:
    """For each position, how many earlier positions hold the same value."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, ordered.size]))
    result = np.empty_like(values)
    result[order] = np.arange(values.size) - group_start
    return result


def _round_significant(values: np.ndarray, digits: int) -> np.ndarray:
    magnitude = np.floor(np.log10(np.maximum(values, 1.0)))
    scale = 10.0 ** np.maximum(magnitude - digits + 1, 0)
    return (np.rint(values / scale) * scale).astype(np.int64)


def _other_rep(team: Team, territory: np.ndarray, owner: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Another rep of the same territory (the owner itself when the territory has one rep)."""
    result = owner.copy()
    for c, reps in enumerate(team.reps):
        rows = np.flatnonzero(territory == c)
        if reps.size < 2 or rows.size == 0:
            continue
        position = np.searchsorted(reps, owner[rows])
        shift = 1 + np.floor(u[rows] * (reps.size - 1)).astype(np.int64)
        result[rows] = reps[(position + shift) % reps.size]
    return result


@dataclass(frozen=True)
class CompanyValues:
    country: np.ndarray
    city: np.ndarray
    """Index into the flattened city table (CITY_*)."""
    name_a: np.ndarray
    name_b: np.ndarray
    name_format: np.ndarray
    tld: np.ndarray
    industry: np.ndarray
    """Index into catalog.INDUSTRIES, -1 blank."""
    employees: np.ndarray
    """-1 blank."""
    annual_revenue: np.ndarray
    """Whole currency units, -1 blank."""
    domain_blank: np.ndarray
    city_blank: np.ndarray
    owner: np.ndarray
    household_last: np.ndarray
    first_name_offset: np.ndarray


def _places(rng: np.random.Generator, style: str, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(country, city) of ``count`` companies: the first two draws of their value stream."""
    country = _choice(rng, COUNTRY_MIX[style], count)
    city = np.empty(count, dtype=np.int64)
    first_city = 0
    city_u = rng.random(count)
    for c, spec in enumerate(COUNTRIES):
        weights = np.cumsum([city.weight for city in spec.cities])
        rows = country == c
        city[rows] = first_city + np.searchsorted(weights / weights[-1], city_u[rows], side="right")
        first_city += len(spec.cities)
    return country, city


@dataclass(frozen=True)
class Firmographics:
    """The first draws of the company value stream, which the structure reads too (count mode included):
    where a company is (local time), who owns it and how large it is (deal outcomes)."""

    country: np.ndarray
    city: np.ndarray
    offsets: np.ndarray
    name_u: np.ndarray
    tld_u: np.ndarray
    industry: np.ndarray
    size_score: np.ndarray
    """Standard normal: ln(head count) = EMPLOYEES_LOG_MEAN + EMPLOYEES_LOG_SD x score (before rounding)."""

    def take(self, order: np.ndarray) -> Firmographics:
        """The companies renumbered: new key j is the company drawn ``order[j]``-th (``offsets`` are per
        country, not per company)."""
        return Firmographics(
            self.country[order],
            self.city[order],
            self.offsets,
            self.name_u[order],
            self.tld_u[order],
            self.industry[order],
            self.size_score[order],
        )


def _firmographics(rng: np.random.Generator, style: str, count: int) -> Firmographics:
    country, city = _places(rng, style, count)
    offsets = rng.integers(0, 2**31, len(COUNTRIES))
    name_u = rng.random(count)
    tld_u = rng.random(count)
    industry = _choice(rng, INDUSTRY_WEIGHTS, count)
    return Firmographics(country, city, offsets, name_u, tld_u, industry, rng.standard_normal(count))


def company_firmographics(seed: int, scenario: int, style: str, count: int) -> Firmographics:
    """``company_values``' first draws in draw order, without the pools: ``.take(plan.place_order)`` gives the
    country, city, size ... of every company by key, as ``company_values`` has them."""
    return _firmographics(stream(seed, COMPANY_VALUES, scenario), style, count)


def account_owners(team: Team, country: np.ndarray) -> np.ndarray:
    """Each company's owner: the territory's reps in turn, in company key order."""
    rank = occurrence(country)
    owner = np.empty(country.size, dtype=np.int64)
    for c, reps in enumerate(team.reps):
        rows = country == c
        owner[rows] = reps[rank[rows] % reps.size]
    return owner


def company_values(
    seed: int, scenario: int, style: str, sizes: np.ndarray, team: Team, place_order: np.ndarray
) -> CompanyValues:
    """Every company's values by key; company key j has the place drawn ``place_order[j]``-th (the plan numbers
    companies after their arrivals moved to local time, which needs their places first)."""
    rng = stream(seed, COMPANY_VALUES, scenario)
    count = sizes.size
    blanks = BLANK_RATES[style]
    head = _firmographics(rng, style, count).take(place_order)
    country, city = head.country, head.city
    rank = occurrence(country)
    surname_count = np.array([p.last_names.size for p in pools().locales], dtype=np.int64)[country]
    first_count = np.array([p.first_names.size for p in pools().locales], dtype=np.int64)[country]
    pair = (rank * NAME_STEP + head.offsets[country]) % (surname_count * surname_count)
    format_count = np.array([p.company_formats.size for p in pools().locales], dtype=np.int64)[country]
    tld_count = np.array([len(spec.tlds) for spec in COUNTRIES], dtype=np.int64)[country]
    raw = np.rint(np.exp(EMPLOYEES_LOG_MEAN + EMPLOYEES_LOG_SD * head.size_score))
    employees = np.maximum(np.minimum(raw, EMPLOYEES_MAX).astype(np.int64), sizes)
    per_employee = np.exp(rng.normal(REVENUE_PER_EMPLOYEE_LOG_MEAN, REVENUE_PER_EMPLOYEE_LOG_SD, count))
    revenue = _round_significant(employees * per_employee, 2)
    gap = rng.random((count, 5))
    household_u = rng.random(count)
    first_offset = rng.integers(0, 2**31, count) % first_count
    owner = account_owners(team, country)
    return CompanyValues(
        country=compact(country),
        city=compact(city),
        name_a=compact(pair // surname_count),
        name_b=compact(pair % surname_count),
        name_format=compact(np.floor(head.name_u * format_count).astype(np.int64)),
        tld=compact(np.floor(head.tld_u * tld_count).astype(np.int64)),
        industry=compact(np.where(gap[:, 0] < blanks["companies.industry"], -1, head.industry)),
        employees=compact(np.where(gap[:, 1] < blanks["companies.employees"], -1, employees)),
        annual_revenue=np.where(gap[:, 2] < blanks["companies.annual_revenue"], -1, revenue),
        domain_blank=gap[:, 3] < blanks["companies.domain"],
        city_blank=gap[:, 4] < blanks["companies.city"],
        owner=compact(owner),
        household_last=compact(np.floor(household_u * surname_count).astype(np.int64)),
        first_name_offset=compact(first_offset),
    )


@dataclass(frozen=True)
class PersonValues:
    first: np.ndarray
    last: np.ndarray
    title: np.ndarray
    """Index into pools().job_titles, -1 blank."""
    seniority: np.ndarray
    """0 (C-level) .. 4; 5 for consumers (no title)."""
    phone_digits: np.ndarray
    phone_blank: np.ndarray
    country_blank: np.ndarray
    source: np.ndarray
    status_u: np.ndarray
    status_blank: np.ndarray
    mail_local: np.ndarray
    """B2C: the e-mail address (unique); B2B: an empty array (the address is first.last@ the company's domain)."""
    owner: np.ndarray
    deal_owner: np.ndarray
    """The owner of the deal the lead opens (if it opens one)."""


MAIL_PATTERNS = 4  # first.last, firstlast, first_last, flast


def person_values(
    seed: int,
    scenario: int,
    style: str,
    lead_company: np.ndarray,
    member_rank: np.ndarray,
    companies: CompanyValues,
    team: Team,
) -> PersonValues:
    """Every contact's values, drawn from the ``(PERSON_VALUES, scenario)`` stream in a fixed order.

    Held for the whole simulation, so stored narrow (``compact``) and built without whole float blocks: the
    uniform draws are taken in row blocks (``blocks.uniform_blocks``) and reduced at once to what is kept. The stream's
    order is unchanged, so the values (and every digest) are the same as drawing each block in one call.
    """
    rng = stream(seed, PERSON_VALUES, scenario)
    n = lead_company.size
    blanks = BLANK_RATES[style]
    country = companies.country[lead_company]
    locales = pools().locales
    first_count = np.array([p.first_names.size for p in locales], dtype=np.int64)
    last_count = np.array([p.last_names.size for p in locales], dtype=np.int64)
    first = compact((companies.first_name_offset[lead_company] + member_rank) % first_count[country])
    own_last = compact(np.floor(rng.random(n) * last_count[country]).astype(np.int64))
    shares = (member_rank == 0) | (rng.random(n) < HOUSEHOLD_SHARES_NAME)
    last = np.where(shares, companies.household_last[lead_company], own_last) if style == "b2c" else own_last
    del shares, own_last
    title_pick = compact(_choice(rng, pools().job_weights, n))
    gap_rates = [blanks[f"contacts.{field}"] for field in ("job_title", "phone", "country", "lead_status")]
    gaps = uniform_blocks(rng, n, lambda lo, hi, u: u < gap_rates, width=4)
    title = np.where(gaps[:, 0], -1, title_pick).astype(title_pick.dtype)
    seniority = np.full(n, 5, dtype=np.int8) if style == "b2c" else compact(pools().job_seniority[title_pick])
    del title_pick
    phone_digits = compact(rng.integers(0, 10**9, n))
    source = compact(_choice(rng, SOURCE_MIX[style], n))
    status_u = rng.random(n)
    mail_pattern = compact(rng.integers(0, MAIL_PATTERNS, n))
    mail_domain = compact(rng.integers(0, 6, n))
    year = compact(rng.integers(0, 100, n))
    with_year = rng.random(n) < 0.4

    mail = np.empty(0, dtype=object)
    if style == "b2c":
        mail = _consumer_emails(country, first, last, mail_pattern, mail_domain, np.where(with_year, year, -1))
    del mail_pattern, mail_domain, year, with_year

    reassigned = uniform_blocks(rng, n, lambda lo, hi, u: u < (CONTACT_REASSIGNED, DEAL_REASSIGNED), width=2)
    account_owner = compact(companies.owner[lead_company])
    territory = team.territory[account_owner]

    def owners(lo: int, hi: int, u: np.ndarray) -> np.ndarray:
        """Contact and deal owner of rows [lo, hi): another rep of the territory where reassigned."""
        account, area = account_owner[lo:hi], territory[lo:hi]
        contact = np.where(reassigned[lo:hi, 0], _other_rep(team, area, account, u[:, 0]), account)
        deal = np.where(reassigned[lo:hi, 1], _other_rep(team, area, account, u[:, 1]), account)
        return np.stack([contact, deal], axis=1)

    owner = uniform_blocks(rng, n, owners, width=2)
    return PersonValues(
        first=first,
        last=compact(last),
        title=title,
        seniority=seniority,
        phone_digits=phone_digits,
        phone_blank=gaps[:, 1].copy(),
        country_blank=gaps[:, 2].copy(),
        source=source,
        status_u=status_u,
        status_blank=gaps[:, 3].copy(),
        mail_local=mail,
        owner=owner[:, 0].copy(),
        deal_owner=owner[:, 1].copy(),
    )


def _consumer_emails(
    country: np.ndarray, first: np.ndarray, last: np.ndarray, pattern: np.ndarray, domain: np.ndarray, year: np.ndarray
) -> np.ndarray:
    """Free-mail addresses in one of MAIL_PATTERNS forms (first.last, firstlast, first_last, flast), some with a
    two-digit year; an address already taken gets a three-digit number instead (made up, never the key)."""
    locales = pools().locales
    first_slug = np.empty(country.size, dtype=object)
    last_slug = np.empty(country.size, dtype=object)
    provider = np.empty(country.size, dtype=object)
    for c, pool in enumerate(locales):
        rows = np.flatnonzero(country == c)
        first_slug[rows] = pool.first_slugs[first[rows]]
        last_slug[rows] = pool.last_slugs[last[rows]]
        provider[rows] = pool.free_mail[domain[rows] % pool.free_mail.size]
    taken: dict[str, int] = {}
    out = np.empty(country.size, dtype=object)
    for i, (f, la, p, d, y) in enumerate(
        zip(first_slug, last_slug, pattern.tolist(), provider, year.tolist(), strict=True)
    ):
        local = (f"{f}.{la}", f"{f}{la}", f"{f}_{la}", f"{f[0]}{la}")[p]
        base = f"{local}@{d}"
        seen = taken.get(base, 0)
        taken[base] = seen + 1
        if seen == 0:
            out[i] = f"{local}{y:02d}@{d}" if y >= 0 else base
        else:
            out[i] = f"{local}{100 + (seen * 37) % 900}@{d}"
    return out


@dataclass(frozen=True)
class OwnerValues:
    first_names: np.ndarray
    last_names: np.ndarray
    first_slugs: np.ndarray
    last_slugs: np.ndarray
    timezone: np.ndarray


def owner_values(seed: int, scenario: int, team: Team) -> OwnerValues:
    """Names from the territory's locale (first names distinct within a team), time zones of the territory
    (US reps spread over the four mainland zones)."""
    rng = stream(seed, OWNER_VALUES, scenario)
    size = team.size
    offsets = rng.integers(0, 2**31, len(COUNTRIES))
    last_u = rng.random(size)
    zone = _choice(rng, US_TIMEZONE_WEIGHTS, size)
    first, last, first_slug, last_slug, timezone = [], [], [], [], []
    for key in range(size):
        c = int(team.territory[key])
        pool = pools().locales[c]
        rank = key - int(np.searchsorted(team.territory, c))
        f = (int(offsets[c]) + rank) % pool.first_names.size
        la = int(last_u[key] * pool.last_names.size)
        first.append(pool.first_names[f])
        last.append(pool.last_names[la])
        first_slug.append(pool.first_slugs[f])
        last_slug.append(pool.last_slugs[la])
        timezone.append(US_TIMEZONES[int(zone[key])] if c == 0 else TERRITORY_TIMEZONE[c])

    def array(values: list) -> np.ndarray:
        return np.array(values, dtype=object)

    return OwnerValues(array(first), array(last), array(first_slug), array(last_slug), array(timezone))
