"""Suite-wide fixtures.

With CRMSIM_REQUIRE_SERVICES=1 (CI sets it) the suite refuses to run on anything but PostgreSQL, so a missing
service fails loudly instead of quietly testing SQLite.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.conf import settings

from scenarios.builtin import install_builtin_presets
from scenarios.models import ScenarioPreset
from tests.servers import private_redis  # noqa: F401 (a fixture for every test)


def pytest_configure(config: pytest.Config) -> None:
    # `make test` runs two pytest-xdist workers; each has its own test database (pytest-django), Redis db for the
    # integration cluster (integration/conftest.py), and cache keys: its own, and those of the processes it starts.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        prefix = f"{settings.CACHE_KEY_PREFIX}-{worker}"
        os.environ["CACHE_KEY_PREFIX"] = prefix
        settings.CACHES["default"]["KEY_PREFIX"] = prefix  # no cache has been opened yet
    if os.environ.get("CRMSIM_REQUIRE_SERVICES") == "1":
        engine = settings.DATABASES["default"]["ENGINE"]
        if engine != "django.db.backends.postgresql":
            raise pytest.UsageError(f"CRMSIM_REQUIRE_SERVICES=1 but the database engine is {engine}")


@pytest.fixture(autouse=True)
def _no_runner_spawned_unless_asked(settings: Any) -> None:
    """The web side spawns the embedded runner process when work is submitted; in tests only where a test asks
    (``settings.CRMSIM_RUNNER_AUTOSPAWN = True``), so no stray process works on the test database."""
    settings.CRMSIM_RUNNER_AUTOSPAWN = False


@pytest.fixture
def builtin_presets(transactional_db: None) -> None:
    """Transactional tests start from a flushed database: put the migration's built-in presets back."""
    install_builtin_presets(ScenarioPreset)


TEST_SECRETS_KEY = "x3hJvOIbmNUH1Fg8ZpD2qTFydTbgl7pq3gLnBjGrmJc="
"""A fixed Fernet key for sink secrets (pytest-django runs with DEBUG off, where the key is required)."""


@pytest.fixture(autouse=True)
def sink_secrets_key(settings: Any) -> None:
    settings.CRMSIM_SECRETS_KEY = TEST_SECRETS_KEY
