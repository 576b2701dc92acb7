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
CONFIG_VARS = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    # issue 12
    "CACHE_URL",
    "CACHE_KEY_PREFIX",
    "CRMSIM_NUM_PROXIES",
    "CRMSIM_TOKEN_TTL",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
)


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


CHECK_DEPLOY = "from django.core.management import execute_from_command_line; " + (
    "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
)


def _assert_check_deploy_is_clean(env: dict[str, str]) -> None:
    result = _run(CHECK_DEPLOY, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("debug", ["0", "false", "off"])
def test_check_deploy_is_clean_with_production_values(debug: str) -> None:
    env = {
        "DEBUG": debug,
        "SECRET_KEY": "x" * 64 + "-a-long-random-production-secret-key",
        "ALLOWED_HOSTS": "crmsim.example.com",
        "SECURE_HSTS_PRELOAD": "true",
    }
    _assert_check_deploy_is_clean(env)
    assert _settings(**env)["hosts"] == ["crmsim.example.com"]


# --- issue 12: defaults that do not leak, and the settings of the hardening -----------------------------------

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 64 + "-a-long-random-production-secret-key",
    "ALLOWED_HOSTS": "crmsim.example.com",
}


def _values(names: list[str], **env: str) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    result = _run(code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("x", "it has 1 characters"),
        ("abcd" * 20, "it has 4 distinct characters"),
        ("django-insecure-" + "k3y9" * 15 + "abcdefgh", "django-insecure"),
        ("short-but-varied-0123456789", "it has 27 characters"),
    ],
)
def test_a_weak_secret_key_is_refused_when_debug_is_off(key: str, reason: str) -> None:
    result = _run(PROBE, **{**PRODUCTION, "SECRET_KEY": key})
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is too weak for DEBUG off" in result.stderr
    assert reason in result.stderr


def test_a_weak_secret_key_is_fine_while_debugging() -> None:
    assert _settings(DEBUG="true", SECRET_KEY="x")["debug"] is True


def test_debug_prints_mail_on_the_console() -> None:
    assert _values(["EMAIL_BACKEND"])["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_production_sends_mail_by_smtp_from_the_environment() -> None:
    env = {
        **PRODUCTION,
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": "465",
        "EMAIL_HOST_USER": "crmsim",
        "EMAIL_HOST_PASSWORD": "app-password",
        "EMAIL_USE_TLS": "false",
        "DEFAULT_FROM_EMAIL": "crmsim <noreply@example.com>",
    }
    expected = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 465,
        "EMAIL_HOST_USER": "crmsim",
        "EMAIL_HOST_PASSWORD": "app-password",
        "EMAIL_USE_TLS": False,
        "DEFAULT_FROM_EMAIL": "crmsim <noreply@example.com>",
    }
    assert _values(list(expected), **env) == expected


def test_no_x_forwarded_for_is_trusted_unless_proxies_are_declared() -> None:
    assert _values(["REST_FRAMEWORK"])["REST_FRAMEWORK"]["NUM_PROXIES"] == 0
    assert _values(["REST_FRAMEWORK"], CRMSIM_NUM_PROXIES="1")["REST_FRAMEWORK"]["NUM_PROXIES"] == 1
    result = _run(PROBE, CRMSIM_NUM_PROXIES="-1")
    assert "CRMSIM_NUM_PROXIES must be 0 or more" in result.stderr


def test_the_cache_is_shared_redis_with_a_broker_and_the_database_otherwise() -> None:
    embedded = _values(["CACHES"])["CACHES"]["default"]
    assert embedded["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    redis = _values(["CACHES"], CELERY_BROKER_URL="redis://cache.example:6379/3")["CACHES"]["default"]
    assert redis["BACKEND"] == "crmsim.cache.PrefixedRedisCache"
    assert redis["LOCATION"] == "redis://cache.example:6379/3"
    own = _values(["CACHES"], CELERY_BROKER_URL="redis://a:6379/0", CACHE_URL="redis://b:6379/2")["CACHES"]
    assert own["default"]["LOCATION"] == "redis://b:6379/2"


def test_an_sqlite_database_runs_in_wal_mode_with_a_64_mb_checkpoint_interval(tmp_path: Path) -> None:
    code = (
        "import json, django; django.setup(); from django.db import connection; c = connection.cursor(); "
        "print(json.dumps({p: c.execute(f'PRAGMA {p}').fetchone()[0] for p in "
        "('journal_mode', 'synchronous', 'wal_autocheckpoint', 'journal_size_limit')}))"
    )
    result = _run(code, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr
    # synchronous 1 = NORMAL: a commit does not wait for the disk, a checkpoint does.
    assert json.loads(result.stdout) == {
        "journal_mode": "wal",
        "synchronous": 1,
        "wal_autocheckpoint": 16384,
        "journal_size_limit": 64 << 20,
    }


def test_the_cache_key_prefix_is_configurable_and_never_empty() -> None:
    assert _values(["CACHES"])["CACHES"]["default"]["KEY_PREFIX"] == "crmsim-cache"
    mine = _values(["CACHES"], CELERY_BROKER_URL="redis://a:6379/0", CACHE_KEY_PREFIX="tenant-a")["CACHES"]
    assert mine["default"]["KEY_PREFIX"] == "tenant-a"
    # An empty prefix would make the Redis cache's clear() delete every key of the database: the broker's too.
    assert "CACHE_KEY_PREFIX must not be empty" in _run(PROBE, CACHE_KEY_PREFIX="").stderr


def test_the_token_lifetime_is_configurable_and_a_week_by_default() -> None:
    assert _values(["CRMSIM_TOKEN_TTL"])["CRMSIM_TOKEN_TTL"] == 7 * 24 * 3600
    assert _values(["CRMSIM_TOKEN_TTL"], CRMSIM_TOKEN_TTL="600")["CRMSIM_TOKEN_TTL"] == 600
    assert "CRMSIM_TOKEN_TTL must be a positive" in _run(PROBE, CRMSIM_TOKEN_TTL="0").stderr


def test_make_run_all_runs_with_debug_off_unless_asked() -> None:
    dry = subprocess.run(["make", "-n", "run-all"], cwd=ROOT, capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    honcho = [line for line in dry.stdout.splitlines() if "honcho start" in line]
    assert len(honcho) == 1
    assert honcho[0].startswith("DEBUG=${DEBUG:-false} ")


def test_the_procfile_web_role_runs_with_debug_off_unless_asked() -> None:
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    command = web.removeprefix("web:").strip()
    assert command.startswith("env DEBUG=${DEBUG:-false} gunicorn ")
    shown = subprocess.run(
        ["sh", "-c", command.replace("gunicorn", "printenv DEBUG #", 1)],
        env={k: v for k, v in os.environ.items() if k != "DEBUG"},
        capture_output=True,
        text=True,
    )
    assert shown.stdout.strip() == "false"


def test_check_deploy_is_clean_with_the_hardening_settings_in_use() -> None:
    """Behind one proxy, with a Redis cache, SMTP and the CSP: still no deploy warning."""
    env = {
        **PRODUCTION,
        "SECURE_HSTS_PRELOAD": "true",
        "BEHIND_TLS_PROXY": "true",
        "CRMSIM_NUM_PROXIES": "1",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
        "EMAIL_HOST": "smtp.example.com",
        "DEFAULT_FROM_EMAIL": "crmsim <noreply@example.com>",
    }
    _assert_check_deploy_is_clean(env)
    got = _values(["CACHES", "CSP_POLICY", "EMAIL_BACKEND"], **env)
    assert got["CACHES"]["default"]["BACKEND"] == "crmsim.cache.PrefixedRedisCache"
    assert "script-src 'self'" in got["CSP_POLICY"]
    assert got["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


def test_in_process_runs_write_with_two_connections_unless_configured() -> None:
    assert _values(["CRMSIM_INPROCESS_WRITERS"])["CRMSIM_INPROCESS_WRITERS"] == 2
    assert _values(["CRMSIM_INPROCESS_WRITERS"], CRMSIM_INPROCESS_WRITERS="1")["CRMSIM_INPROCESS_WRITERS"] == 1
    assert "CRMSIM_INPROCESS_WRITERS must be 1 or more" in _run(PROBE, CRMSIM_INPROCESS_WRITERS="0").stderr
