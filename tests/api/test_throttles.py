"""Throttles that hold (issue 12, finding 3): no X-Forwarded-For spoofing, counters shared by every process,
and sign-in throttled per user name as well as per client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from rest_framework.test import APIClient

from crmsim.login_throttle import LOCKOUT_MESSAGE
from tests.api.conftest import Actors

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
TOKEN = "/api/auth/token/"


def _post(client: APIClient, username: str, password: str, **headers: str) -> Any:
    return client.post(TOKEN, {"username": username, "password": password}, format="json", **headers)


def test_sixty_forged_x_forwarded_for_headers_then_the_right_password_is_throttled(actors: Actors) -> None:
    client = APIClient(REMOTE_ADDR="203.0.113.9")
    codes = [_post(client, "alice", f"guess-{i}", HTTP_X_FORWARDED_FOR=f"10.0.{i}.1").status_code for i in range(60)]
    assert codes[:10] == [400] * 10
    assert codes[-1] == 429
    right = _post(client, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert right.status_code == 429
    assert "token" not in right.json()


def test_the_client_throttle_ignores_x_forwarded_for_by_default(actors: Actors) -> None:
    """Different user names each time, so only the per-client (``auth``, 20/min) throttle can stop them."""
    client = APIClient(REMOTE_ADDR="203.0.113.10")
    codes = [_post(client, f"user{i}", "x", HTTP_X_FORWARDED_FOR=f"10.1.{i}.1").status_code for i in range(21)]
    assert codes == [400] * 20 + [429]


def test_with_one_trusted_proxy_the_client_is_the_last_forwarded_address(actors: Actors) -> None:
    rest_framework = {**django_settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    with override_settings(REST_FRAMEWORK=rest_framework):
        proxy = APIClient(REMOTE_ADDR="192.0.2.1")  # every request comes from the proxy
        first = [_post(proxy, f"u{i}", "x", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code for i in range(21)]
        # A client-sent header is kept by the proxy on the left: it cannot choose the address that counts.
        forged = _post(proxy, "u99", "x", HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.1").status_code
        other = _post(proxy, "u100", "x", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code
    assert first == [400] * 20 + [429]
    assert forged == 429
    assert other == 400


def test_failed_token_requests_are_throttled_per_user_name_across_addresses(actors: Actors, settings: Any) -> None:
    settings.THROTTLE_LOGIN_USERNAME = "3/hour"
    codes = [_post(APIClient(REMOTE_ADDR=f"198.51.100.{i}"), "alice", "wrong").status_code for i in range(4)]
    assert codes == [400, 400, 400, 429]
    right = _post(APIClient(REMOTE_ADDR="198.51.100.77"), "alice", PASSWORD)
    assert right.status_code == 429


def test_the_user_name_lockout_does_not_tell_whether_the_user_exists(actors: Actors, settings: Any) -> None:
    settings.THROTTLE_LOGIN_USERNAME = "2/hour"
    details = {}
    for username in ("alice", "nobody-by-this-name"):
        for i in range(2):
            _post(APIClient(REMOTE_ADDR=f"198.51.100.{i}"), username, "wrong")
        response = _post(APIClient(REMOTE_ADDR="198.51.100.50"), username, "wrong")
        assert response.status_code == 429
        details[username] = response.json()["detail"]
    assert details["alice"] == details["nobody-by-this-name"]
    assert details["alice"].startswith(LOCKOUT_MESSAGE.split("{")[0])


THROTTLE_PROBE = """
import json, sys, django
django.setup()
from django.conf import settings
from django.test import Client
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # PBKDF2 per attempt is slow
address, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = Client(REMOTE_ADDR=address)
bodies = [{"username": f"probe{i}", "password": "x"} for i in range(first, first + count)]
codes = [client.post("/api/auth/token/", b, content_type="application/json").status_code for b in bodies]
print(json.dumps(codes))
"""


@pytest.mark.parametrize("cache", ["database", "redis"])
def test_the_token_throttle_is_shared_by_separate_processes(
    tmp_path: Path, cache: str, request: pytest.FixtureRequest
) -> None:
    """Two web processes against one cache: the 21st attempt in a minute is refused, whichever process gets it.
    The Redis is a private redis-server: another test session's ``cache.clear()`` on a shared db would reset the
    counters mid-test (it did, in a CI run beside other sessions)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "REDIS_URL", "CACHE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="crmsim.settings", DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    if cache == "redis":
        env["CACHE_URL"] = request.getfixturevalue("private_redis").url
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr
    address = f"198.18.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"  # fresh counters in the database cache

    def probe(first: int, count: int) -> list[int]:
        run = subprocess.run(
            [sys.executable, "-c", THROTTLE_PROBE, address, str(first), str(count)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout.strip().splitlines()[-1])

    assert probe(0, 20) == [400] * 20
    assert probe(20, 2) == [429, 429]
