"""Fixtures for API tests: clients for anonymous, two users and staff, and simulations with real rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from simulations.drivers.in_process import run_in_process
from simulations.lifecycle.control import create_simulation, start_simulation
from simulations.lifecycle.requests import SimulationRequest
from simulations.models import Simulation, User
from tests.factories import StaffFactory, UserFactory

QUARTER = {"start": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "end": dt.datetime(2026, 4, 1, tzinfo=dt.UTC)}
BODY = {"scenario": "b2b", "start": "2026-01-01", "end": "2026-04-01", "records": 200, "seed": 7}
"""A valid create body (preview takes the same without ``scenario``)."""


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Three users per test: PBKDF2's deliberate slowness would dominate the suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    """Throttle counters live in the cache; each test starts with none spent."""
    cache.clear()
    yield
    cache.clear()


def token_client(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@dataclass
class Actors:
    a: User
    b: User
    staff: User

    def client(self, who: str) -> APIClient:
        return APIClient() if who == "anon" else token_client(getattr(self, who))


@pytest.fixture
def actors(db: None) -> Actors:
    return Actors(a=UserFactory(username="alice"), b=UserFactory(username="bob"), staff=StaffFactory(username="sam"))


@pytest.fixture
def make_simulation(db: None) -> Callable[..., Simulation]:
    """Create (and plan) a simulation through the service; keyword arguments override the request."""

    def make(owner: User, **changes: Any) -> Simulation:
        values: dict[str, Any] = {"scenario": "b2b", "records": 300, "seed": 42, **QUARTER, **changes}
        return create_simulation(owner=owner, request=SimulationRequest(**values))

    return make


@pytest.fixture
def completed_simulation(actors: Actors, make_simulation: Callable[..., Simulation]) -> Simulation:
    """User A's backfill of 300 records, run to completion in-process: real companies, contacts, deals, ...
    (300: since engine 3 the fewest at seed 42 whose quarter has won and lost deals)."""
    simulation = start_simulation(simulation=make_simulation(actors.a))
    return run_in_process(simulation)
