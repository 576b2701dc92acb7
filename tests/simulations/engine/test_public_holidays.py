"""The engine's table of public holidays (``simulations.engine.public_holidays``) against the ``holidays`` package."""

import datetime as dt

from simulations.engine.public_holidays import TABLE, TABLE_YEARS, from_package, public_holidays, table_from_package


def test_the_table_holds_what_the_installed_package_gives():
    # On failure: a release of ``holidays`` moved a date. Rewrite the table (python -m
    # simulations.engine.public_holidays) and bump ENGINE_VERSION if a date inside the window years changed.
    assert TABLE.read_text() == table_from_package()


def test_years_inside_the_table_are_read_from_it_and_the_rest_from_the_package():
    inside = public_holidays("DE", [2026])
    assert dt.date(2026, 10, 3) in inside and dt.date(2026, 12, 25) in inside  # German Unity Day, Christmas
    assert all(day.year == 2026 for day in inside)
    before = TABLE_YEARS.start - 1
    assert public_holidays("US", [before, 2026]) == from_package("US", [before]) | public_holidays("US", [2026])
    assert dt.date(before, 12, 25) in public_holidays("US", [before])


def test_england_stands_for_the_united_kingdom():
    # Easter Monday is a bank holiday in England, not in Scotland; 2 January in Scotland only.
    uk = public_holidays("GB", [2026])
    assert dt.date(2026, 4, 6) in uk and dt.date(2026, 1, 2) not in uk
