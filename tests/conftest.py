"""Suite-wide fixtures.

With CRMSIM_REQUIRE_SERVICES=1 (CI sets it) the suite refuses to run on anything but PostgreSQL, so a missing
service fails loudly instead of quietly testing SQLite.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CRMSIM_REQUIRE_SERVICES") == "1":
        engine = settings.DATABASES["default"]["ENGINE"]
        if engine != "django.db.backends.postgresql":
            raise pytest.UsageError(f"CRMSIM_REQUIRE_SERVICES=1 but the database engine is {engine}")
