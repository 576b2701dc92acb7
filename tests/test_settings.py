"""Settings read the environment: embedded defaults, real services, production guards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']), 'host': db.get('HOST'), "
    "'debug': settings.DEBUG, 'broker': settings.CELERY_BROKER_URL, 'embedded': settings.CRMSIM_EMBEDDED, "
    "'acks_late': settings.CELERY_TASK_ACKS_LATE, 'prefetch': settings.CELERY_WORKER_PREFETCH_MULTIPLIER, "
    "'accept': settings.CELERY_ACCEPT_CONTENT, 'hosts': settings.ALLOWED_HOSTS}))"
)
CONFIG_VARS = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS")


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE="crmsim.settings")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)


def _settings(**env: str) -> dict:
    result = _run(PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_no_environment_gives_the_embedded_default() -> None:
    got = _settings()
    assert got["engine"] == "django.db.backends.sqlite3"
    assert got["name"] == str(ROOT / "crmsim.sqlite3")
    assert got["debug"] is True
    assert got["broker"] is None
    assert got["embedded"] is True


def test_database_url_and_broker_switch_to_real_services() -> None:
    got = _settings(DATABASE_URL="postgres://someone@db.example:5433/crm", REDIS_URL="redis://cache:6379/1")
    assert got["engine"] == "django.db.backends.postgresql"
    assert got["host"] == "db.example"
    assert got["broker"] == "redis://cache:6379/1"
    assert got["embedded"] is False


def test_celery_broker_url_wins_over_redis_url_and_celery_is_configured_safely() -> None:
    got = _settings(CELERY_BROKER_URL="redis://a:6379/0", REDIS_URL="redis://b:6379/0")
    assert got["broker"] == "redis://a:6379/0"
    assert got["acks_late"] is True
    assert got["prefetch"] == 1
    assert got["accept"] == ["json"]


def test_production_without_a_secret_key_refuses_to_start() -> None:
    result = _run(PROBE, DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_malformed_boolean_is_a_clear_error() -> None:
    result = _run(PROBE, DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


@pytest.mark.parametrize("debug", ["0", "false", "off"])
def test_check_deploy_is_clean_with_production_values(debug: str) -> None:
    env = {
        "DEBUG": debug,
        "SECRET_KEY": "x" * 64 + "-a-long-random-production-secret-key",
        "ALLOWED_HOSTS": "crmsim.example.com",
        "SECURE_HSTS_PRELOAD": "true",
    }
    code = "import sys; from django.core.management import execute_from_command_line; " + (
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )
    result = _run(code, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert _settings(**env)["hosts"] == ["crmsim.example.com"]
