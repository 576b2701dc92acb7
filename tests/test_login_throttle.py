"""The session login and the admin login are throttled per client and per user name (issue 12, finding 3),
with one lockout message whether or not the user exists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from crmsim.login_throttle import LOCKOUT_MESSAGE
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGINS = ["/accounts/login/", "/admin/login/"]
LOCKED = LOCKOUT_MESSAGE.split("{")[0]


@pytest.fixture(autouse=True)
def _fast_hashing_and_fresh_counters(settings: Any) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def users(db: None) -> None:
    UserFactory(username="alice", password=PASSWORD)
    StaffFactory(username="sam", password=PASSWORD)


def _login(path: str, username: str, password: str, address: str = "198.51.100.1", **headers: str) -> Any:
    return Client(REMOTE_ADDR=address).post(path, {"username": username, "password": password}, **headers)


@pytest.mark.parametrize("path", LOGINS)
def test_failed_logins_for_one_user_name_are_throttled_across_addresses(users: None, path: str, settings: Any) -> None:
    settings.THROTTLE_LOGIN_USERNAME = "3/hour"
    codes = [_login(path, "sam", "wrong", address=f"198.51.100.{i}").status_code for i in range(3)]
    assert codes == [200, 200, 200]  # the form again, with its error
    locked = _login(path, "sam", PASSWORD, address="198.51.100.99")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert LOCKED in locked.content.decode()


@pytest.mark.parametrize("path", LOGINS)
def test_the_lockout_reads_the_same_for_a_user_that_exists_and_one_that_does_not(
    users: None, path: str, settings: Any
) -> None:
    settings.THROTTLE_LOGIN_USERNAME = "2/hour"
    pages = {}
    for username in ("sam", "nobody-by-this-name"):
        for i in range(2):
            assert _login(path, username, "wrong", address=f"198.51.100.{i}").status_code == 200
        locked = _login(path, username, "wrong", address="198.51.100.50")
        assert locked.status_code == 429
        pages[username] = locked.content.decode()
    assert pages["sam"] == pages["nobody-by-this-name"]
    assert "sam" not in pages["sam"]


@pytest.mark.parametrize("path", LOGINS)
def test_one_client_is_throttled_whatever_user_names_it_tries(users: None, path: str, settings: Any) -> None:
    settings.THROTTLE_LOGIN_CLIENT = "5/min"
    codes = [_login(path, f"user{i}", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code for i in range(6)]
    assert codes == [200] * 5 + [429]


def test_a_successful_login_does_not_count_against_the_user_name(users: None, settings: Any) -> None:
    settings.THROTTLE_LOGIN_USERNAME = "2/hour"
    codes = [_login("/accounts/login/", "alice", PASSWORD, address=f"198.51.100.{i}").status_code for i in range(4)]
    assert codes == [302] * 4


def test_the_login_pages_themselves_are_not_throttled(users: None, settings: Any) -> None:
    settings.THROTTLE_LOGIN_CLIENT = "1/min"
    client = Client()
    assert [client.get("/accounts/login/").status_code for _ in range(3)] == [200, 200, 200]
