"""Write-mode columns of owners, companies, contacts and phones: plan values resolved to text.

Pure functions of the plan (and of row keys), so any slot produces the same row for the same key. Text is
built with numpy object arrays and short list comprehensions (a few thousand strings per slot).
"""

from __future__ import annotations

import numpy as np

from .catalog import COUNTRIES, INDUSTRIES, OWNER_ROLES, SELLER
from .pools import pools
from .values import CITY_NAME, CITY_TIMEZONE, COUNTRY_CODE

Columns = dict[str, np.ndarray]

_INDUSTRIES = np.array((*INDUSTRIES, ""), dtype=object)  # index -1 -> ""
_CITY_AREA = np.array([city.area for country in COUNTRIES for city in country.cities], dtype=object)
_CITY_DIGITS = np.array([city.digits for country in COUNTRIES for city in country.cities], dtype=np.int64)
_TEAMS = np.array([country.team for country in COUNTRIES], dtype=object)

US_EXCHANGES = np.array([e for e in range(200, 1000) if e % 100 != 11 and e != 555], dtype=np.int64)
"""Valid NANP central-office codes: 2-9 first, no N11 (service codes), no 555 (fiction and directory)."""


def _text(values: list[str]) -> np.ndarray:
    return np.array(values, dtype=object)


def owner_columns(plan) -> Columns:
    """Every owner of the plan's team (all slots offer all of them; the writer keeps the first)."""
    team, values = plan.team, plan.owner_values
    domain = SELLER[plan.scenario_style][1]
    rep, manager = OWNER_ROLES[plan.scenario_style]
    emails = [f"{f}.{la}@{domain}" for f, la in zip(values.first_slugs, values.last_slugs, strict=True)]
    return {
        "key": np.arange(team.size, dtype=np.int64),
        "first_name": values.first_names,
        "last_name": values.last_names,
        "email": _text(emails),
        "team": _TEAMS[team.territory],
        "role": np.where(team.is_manager, manager, rep).astype(object),
        "timezone": values.timezone,
    }


def company_domains(plan, keys: np.ndarray) -> np.ndarray:
    """The company's web domain (B2B; households have none): its two surnames' slugs and a country TLD,
    unique within the simulation as the surname pairs are; no digits."""
    if plan.scenario_style == "b2c":
        return np.full(keys.size, "", dtype=object)
    v = plan.company_values
    out = np.empty(keys.size, dtype=object)
    country = v.country[keys]
    for c, spec in enumerate(COUNTRIES):
        rows = np.flatnonzero(country == c)
        if rows.size == 0:
            continue
        pool = pools().locales[c]
        tlds = _text(list(spec.tlds))
        out[rows] = (
            pool.last_slugs[v.name_a[keys[rows]]]
            + pool.last_slugs[v.name_b[keys[rows]]]
            + "."
            + tlds[v.tld[keys[rows]]]
        )
    return out


def company_columns(plan, keys: np.ndarray) -> Columns:
    """The company (B2B) or household (B2C) rows for ``keys`` (a pure function of the plan)."""
    v = plan.company_values
    keys = keys.astype(np.int64)
    country = v.country[keys]
    names = np.empty(keys.size, dtype=object)
    for c in range(len(COUNTRIES)):
        rows = np.flatnonzero(country == c)
        if rows.size == 0:
            continue
        pool = pools().locales[c]
        picked = keys[rows]
        if plan.scenario_style == "b2c":
            names[rows] = pool.last_names[v.household_last[picked]] + " household"
        else:
            formats = pool.company_formats[v.name_format[picked]]
            a, b = pool.last_names[v.name_a[picked]], pool.last_names[v.name_b[picked]]
            names[rows] = [f.format(a=x, b=y) for f, x, y in zip(formats, a, b, strict=True)]
    domains = company_domains(plan, keys)
    city = v.city[keys]
    return {
        "key": keys,
        "kind": np.full(keys.size, "household" if plan.scenario_style == "b2c" else "company", dtype=object),
        "name": names,
        "domain": np.where(v.domain_blank[keys], "", domains).astype(object),
        "industry": _INDUSTRIES[v.industry[keys]],
        "employees": v.employees[keys],
        "annual_revenue": v.annual_revenue[keys],
        "country": COUNTRY_CODE[country],
        "city": np.where(v.city_blank[keys], "", CITY_NAME[city]).astype(object),
        "timezone": CITY_TIMEZONE[city],
        "owner_key": v.owner[keys],
        "created_at": plan.company_created_at[keys],
    }


def phones(city: np.ndarray, digits: np.ndarray, mobile: bool) -> np.ndarray:
    """Numbers valid for each city's country in international format: US ``+1 212-483-2291`` (NANP rules),
    GB ``+44 20 7946 3012`` / mobile ``+44 7712 345678``, DE ``+49 30 12345678`` / ``+49 171 2345678``,
    FR ``+33 1 42 68 53 00`` / ``+33 6 12 34 56 78``. Subscriber numbers start with 2-9."""
    out = np.empty(city.size, dtype=object)
    country = _CITY_COUNTRY[city]
    for c, spec in enumerate(COUNTRIES):
        rows = np.flatnonzero(country == c)
        if rows.size == 0:
            continue
        d = digits[rows]
        area = _CITY_AREA[city[rows]].tolist()
        if c == 0:
            exchange = US_EXCHANGES[d % US_EXCHANGES.size].tolist()
            line = ((d // US_EXCHANGES.size) % 10_000).tolist()
            out[rows] = [f"+1 {a}-{e}-{x:04d}" for a, e, x in zip(area, exchange, line, strict=True)]
            continue
        length = np.full(rows.size, spec.mobile_digits) if mobile else _CITY_DIGITS[city[rows]]
        rest = ((d // 8) % 10 ** (length - 1)).tolist()
        lead = (2 + d % 8).tolist()
        if mobile:
            prefixes = np.array(spec.mobile_prefixes, dtype=object)
            area = prefixes[(d // 7) % prefixes.size].tolist()
        numbers = [f"{x}{r:0{n - 1}d}" for x, r, n in zip(lead, rest, length.tolist(), strict=True)]
        if c == 1 and mobile:
            full = [a + s for a, s in zip(area, numbers, strict=True)]
            out[rows] = [f"+44 {x[:4]} {x[4:]}" for x in full]
        elif c == 1:
            out[rows] = [f"+44 {a} {s[:-4]} {s[-4:]}" for a, s in zip(area, numbers, strict=True)]
        elif c == 2:
            out[rows] = [f"+49 {a} {s}" for a, s in zip(area, numbers, strict=True)]
        else:
            out[rows] = [f"+33 {a} {s[:2]} {s[2:4]} {s[4:6]} {s[6:]}" for a, s in zip(area, numbers, strict=True)]
    return out


_CITY_COUNTRY = np.array([c for c, country in enumerate(COUNTRIES) for _ in country.cities], dtype=np.int64)
