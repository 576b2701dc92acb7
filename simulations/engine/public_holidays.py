"""Public holidays of the catalog's countries (``catalog.COUNTRIES``), from a table made with the ``holidays``
package.

The engine reads the dates from ``public_holidays.json`` for TABLE_YEARS rather than from the package, for two
reasons:

- the dataset's digest depends on them, and a release of the package that moves a date (a new holiday, a
  corrected rule) would move it silently; the table pins the dates an ENGINE_VERSION was made with;
- the package loads every country it knows on first use (0.25 s in each process that plans or reports).

Years outside the table come from the package itself. ``python -m simulations.engine.public_holidays`` writes the
table anew from the installed package; ``tests/simulations/test_public_holidays.py`` fails while the two differ
(then rewrite the table, and bump ENGINE_VERSION if a date in it changed).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable
from pathlib import Path

from .catalog import COUNTRIES

TABLE = Path(__file__).with_name("public_holidays.json")
TABLE_YEARS = range(2000, 2061)
SUBDIVISION = {"GB": "ENG"}
"""England's bank holidays for the UK (most of the UK's cities in the catalog are English)."""


def from_package(code: str, years: Iterable[int]) -> set[dt.date]:
    """The public holidays of a catalog country in ``years``, from the ``holidays`` package."""
    import holidays  # its first use loads every country it knows: only for years outside the table

    return set(holidays.country_holidays(code, subdiv=SUBDIVISION.get(code), years=list(years)))


@functools.cache
def _table() -> dict[str, frozenset[dt.date]]:
    data = json.loads(TABLE.read_text())
    return {
        code: frozenset(dt.date.fromisoformat(f"{year}-{day}") for year, days in years.items() for day in days)
        for code, years in data["dates"].items()
    }


def public_holidays(code: str, years: Iterable[int]) -> set[dt.date]:
    """The public holidays of a catalog country in ``years``: the table's, and the package's outside it."""
    years = set(years)
    outside = {year for year in years if year not in TABLE_YEARS}
    dates = {day for day in _table()[code] if day.year in years}
    return dates | (from_package(code, outside) if outside else set())


def table_from_package() -> str:
    """The table's text, made from the installed package: per country and year, the holidays' "MM-DD"."""
    from importlib.metadata import version

    countries = []
    for country in COUNTRIES:
        days = sorted(from_package(country.code, TABLE_YEARS))
        years = [f'    "{year}": {json.dumps([f"{d:%m-%d}" for d in days if d.year == year])}' for year in TABLE_YEARS]
        countries.append(f'  "{country.code}": {{\n' + ",\n".join(years) + "\n  }")
    head = {"source": f"holidays {version('holidays')}", "subdivisions": SUBDIVISION}
    return json.dumps(head)[:-1] + ', "dates": {\n' + ",\n".join(countries) + "\n}}\n"


if __name__ == "__main__":
    TABLE.write_text(table_from_package())
    print(f"wrote {TABLE}")
