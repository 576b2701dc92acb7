"""crmsim settings, read from the environment (12-factor).

With no environment variables at all crmsim runs in *embedded* mode: DEBUG on, a SQLite file in the project
directory, no broker (simulations run in-process). Production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (or REDIS_URL). The README's configuration table lists every
variable read here.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from crmsim.env import env_bool, env_float, env_int, env_list, env_str, secret_key_weakness
from crmsim.vocabulary import MAX_SEED

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-crmsim-development-key-do-not-use-in-production"  # noqa: S105
elif not DEBUG and (weakness := secret_key_weakness(SECRET_KEY)):
    raise ImproperlyConfigured(f"SECRET_KEY is too weak for DEBUG off: {weakness}")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # API (issue #6): Swagger UI assets served locally, no CDN.
    "django_celery_beat",
    "crmsim",  # the bottom layer's own bits: the cache table, token revocation on password change.
    "scenarios",
    "simulations",
    "crm",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "crmsim.csp.ContentSecurityPolicyMiddleware",
    # Static files from the app server, so the web role works with DEBUG off and no proxy in front.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "crmsim.login_throttle.LoginThrottleMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "crmsim.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "crmsim.wsgi.application"

# --- database ----------------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'crmsim.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The in-process runner writes while the progress bar or the web UI reads: WAL keeps readers unblocked.
    # A backfill commits a slot at a time; with SQLite's default checkpoint every 1,000 pages (4 MB) of WAL,
    # copying the WAL into the database cost a quarter of a run's write time (docs/performance.md, stop 23).
    # 16,384 pages (64 MB) copies each hot page once per 64 MB instead; journal_size_limit trims the file back.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA wal_autocheckpoint=16384; PRAGMA journal_size_limit=67108864;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "simulations.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "templates" / "static"]  # Web UI (issue #7): the SPA's JS and CSS.
# WhiteNoise serves the files where the finders find them (no collectstatic step needed; `collectstatic`'s
# output in STATIC_ROOT is served too); DEBUG re-reads them on each request.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Request size limits (the API never needs large bodies; custom distribution weights are the biggest).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- security (production) ---------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (crmsim/csp.py): nothing inline but style attributes, nothing
# from another origin. CSP_REPORT_ONLY=true sends it as Content-Security-Policy-Report-Only instead.
CSP_POLICY = env_str(
    "CSP_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'",
)
CSP_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)

# --- reverse proxy and throttles (docs/operations.md) --------------------------------------------------------
# How many proxies in front of the web role append to X-Forwarded-For. 0 (the default) trusts no
# X-Forwarded-For at all: the client is REMOTE_ADDR. Behind one reverse proxy that sets the header, use 1.
CRMSIM_NUM_PROXIES = env_int("CRMSIM_NUM_PROXIES", 0)
if CRMSIM_NUM_PROXIES < 0:
    raise ImproperlyConfigured(f"CRMSIM_NUM_PROXIES must be 0 or more, got {CRMSIM_NUM_PROXIES}.")
# Session and admin sign-in (crmsim/login_throttle.py): attempts per client address and per user name.
THROTTLE_LOGIN_CLIENT = env_str("THROTTLE_LOGIN_CLIENT", "20/min")
THROTTLE_LOGIN_USERNAME = env_str("THROTTLE_LOGIN_USERNAME", "10/hour")

# --- cache: shared by every process, so throttle counters hold across workers and hosts --------------------
_REDIS_URL = env_str("CACHE_URL") or env_str("CELERY_BROKER_URL") or env_str("REDIS_URL")
# Deployments (or parallel test processes) that share one Redis or one database keep their keys apart.
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "crmsim-cache")
if not CACHE_KEY_PREFIX:
    raise ImproperlyConfigured("CACHE_KEY_PREFIX must not be empty (the cache's clear() deletes its prefix's keys).")
if _REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            # RedisCache whose clear() deletes only its own keys: the broker may share the database.
            "BACKEND": "crmsim.cache.PrefixedRedisCache",
            "LOCATION": _REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
else:
    # The table is created by the crmsim app's migration (`migrate` on a fresh database makes it).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "crmsim_cache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }

# --- email ---------------------------------------------------------------------------------------------------
# DEBUG prints mail (password resets) on the console; otherwise SMTP from the environment.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "crmsim <crmsim@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Celery ------------------------------------------------------------------------------------------------
# No broker -> embedded mode: `start_simulation` runs the dispatcher loop in-process.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or env_str("REDIS_URL") or None
CRMSIM_EMBEDDED = CELERY_BROKER_URL is None
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
# A task is acknowledged only after it ran, so a killed worker's task is delivered again; tasks are idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Each worker process reserves one message at a time: no pile of eta tasks held in one worker's memory.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The dispatcher never sends an eta further than CRMSIM_DISPATCH_HORIZON_SECONDS ahead. Redis redelivers an
# unacknowledged message after visibility_timeout, so it must exceed horizon + the longest task run time, or a
# healthy eta task would be delivered twice. 10 minutes leaves a wide margin over a 30 s horizon; a message lost
# with a dead worker is picked up sooner by the sweeper (CRMSIM_SWEEP_AFTER_SECONDS).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600)}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# --- Celery queues (issue #5: distributed runs) -------------------------------------------------------------
# The dispatcher has its own queue so a flood of slot batches cannot starve it (docs/operations.md).
CELERY_TASK_ROUTES = {
    "simulations.dispatch": {"queue": "dispatch"},
    "simulations.materialize_slot": {"queue": "materialize"},
    "simulations.plan_simulation": {"queue": "plan"},
    "simulations.store_results": {"queue": "materialize"},
    # Sinks (issue 15): deliveries on their own queue, so a slow receiver never stalls generation.
    "simulations.deliver_slot": {"queue": "deliver"},
}
# --- end issue #5 block ------------------------------------------------------------------------------------

# --- crmsim ------------------------------------------------------------------------------------------------
CRMSIM_MAX_RECORDS = env_int("CRMSIM_MAX_RECORDS", 2_000_000)
CRMSIM_MAX_WINDOW_DAYS = env_int("CRMSIM_MAX_WINDOW_DAYS", 3660)
CRMSIM_MAX_RUNNING_PER_USER = env_int("CRMSIM_MAX_RUNNING_PER_USER", 5)
CRMSIM_DISPATCH_HORIZON_SECONDS = env_float("CRMSIM_DISPATCH_HORIZON_SECONDS", 30.0)
CRMSIM_DISPATCH_INTERVAL_SECONDS = env_float("CRMSIM_DISPATCH_INTERVAL_SECONDS", 2.0)
CRMSIM_SWEEP_AFTER_SECONDS = env_float("CRMSIM_SWEEP_AFTER_SECONDS", 120.0)
# The in-process runner (start_simulation without a broker, the embedded runner) on PostgreSQL writes this many
# slots side by side, each writer on its own connection (simulations/materialize/slot.py, docs/performance.md).
CRMSIM_INPROCESS_WRITERS = env_int("CRMSIM_INPROCESS_WRITERS", 2)
if CRMSIM_INPROCESS_WRITERS < 1:
    raise ImproperlyConfigured(f"CRMSIM_INPROCESS_WRITERS must be 1 or more, got {CRMSIM_INPROCESS_WRITERS}.")
CRMSIM_DEMO_USERNAME = env_str("CRMSIM_DEMO_USERNAME", "demo")
# The local demo account's password: `make run` / `make demo` create the account with it, with DEBUG on only.
CRMSIM_DEMO_PASSWORD = "demo"  # noqa: S105 - a local demo account, never created with DEBUG off
# Embedded mode's runner process (simulations/drivers/runner.py, docs/operations.md): the web side spawns
# `manage.py simulation_runner` when work is submitted and at its start-up (CRMSIM_RUNNER_AUTOSPAWN=false: start it
# yourself); its lock and log sit beside the SQLite file, else in CRMSIM_RUNNER_DIR (default: the temp directory).
CRMSIM_RUNNER_AUTOSPAWN = env_bool("CRMSIM_RUNNER_AUTOSPAWN", True)
CRMSIM_RUNNER_DIR = env_str("CRMSIM_RUNNER_DIR", "")
CRMSIM_RUNNER_IDLE_EXIT_SECONDS = env_float("CRMSIM_RUNNER_IDLE_EXIT_SECONDS", 300.0)
# Called (by dotted path, so crmsim imports no app) when the WSGI/ASGI application is loaded by a web server.
CRMSIM_WEB_STARTUP_HOOKS = ["simulations.drivers.runner.ensure_runner_or_log"]
# API tokens expire this many seconds after they were issued (crmsim/tokens.py); 7 days by default.
CRMSIM_TOKEN_TTL = env_int("CRMSIM_TOKEN_TTL", 7 * 24 * 3600)
if CRMSIM_TOKEN_TTL <= 0:
    raise ImproperlyConfigured(f"CRMSIM_TOKEN_TTL must be a positive number of seconds, got {CRMSIM_TOKEN_TTL}.")

# --- sinks (issue 15; docs/sinks.md) -----------------------------------------------------------------------
# Fernet key(s) for sink secrets at rest; required when DEBUG is off (a dev key is derived while DEBUG).
CRMSIM_SECRETS_KEY = env_str("CRMSIM_SECRETS_KEY")
# Private, loopback and link-local targets (checked after DNS resolution on every delivery): dev only by default.
CRMSIM_ALLOW_PRIVATE_SINKS = env_bool("CRMSIM_ALLOW_PRIVATE_SINKS", DEBUG)
CRMSIM_WEBHOOK_DEFAULT_BATCH = env_int("CRMSIM_WEBHOOK_DEFAULT_BATCH", 100)
CRMSIM_WEBHOOK_MAX_BATCH = env_int("CRMSIM_WEBHOOK_MAX_BATCH", 1000)
CRMSIM_DELIVERY_TIMEOUT_SECONDS = env_float("CRMSIM_DELIVERY_TIMEOUT_SECONDS", 10.0)
CRMSIM_DELIVERY_MAX_AGE_SECONDS = env_float("CRMSIM_DELIVERY_MAX_AGE_SECONDS", 3600.0)
CRMSIM_DELIVERY_BACKOFF_SECONDS = env_float("CRMSIM_DELIVERY_BACKOFF_SECONDS", 1.0)
CRMSIM_DELIVERY_BACKOFF_MAX_SECONDS = env_float("CRMSIM_DELIVERY_BACKOFF_MAX_SECONDS", 300.0)
# Delivered progress is committed at most this often (a crash re-sends at most this much, with the same ids).
CRMSIM_DELIVERY_SAVE_SECONDS = env_float("CRMSIM_DELIVERY_SAVE_SECONDS", 0.5)
# A delivery claim older than this is presumed dead (crashed worker) and is sent again.
CRMSIM_DELIVERY_CLAIM_SECONDS = env_float("CRMSIM_DELIVERY_CLAIM_SECONDS", 60.0)
# Embedded mode: time the in-process runner gives deliveries per loop, after writing.
CRMSIM_EMBEDDED_DELIVERY_BUDGET_SECONDS = env_float("CRMSIM_EMBEDDED_DELIVERY_BUDGET_SECONDS", 1.0)
# HubSpot: events per send (split into batches of 100 per request) and the rate limits to respect.
CRMSIM_HUBSPOT_EVENTS_PER_SEND = env_int("CRMSIM_HUBSPOT_EVENTS_PER_SEND", 10_000)
CRMSIM_HUBSPOT_BURST_LIMIT = env_int("CRMSIM_HUBSPOT_BURST_LIMIT", 100)
CRMSIM_HUBSPOT_BURST_WINDOW_SECONDS = env_float("CRMSIM_HUBSPOT_BURST_WINDOW_SECONDS", 10.0)
CRMSIM_HUBSPOT_DAILY_LIMIT = env_int("CRMSIM_HUBSPOT_DAILY_LIMIT", 250_000)
CRMSIM_HUBSPOT_MAX_WAIT_SECONDS = env_float("CRMSIM_HUBSPOT_MAX_WAIT_SECONDS", 120.0)

# --- REST framework ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "crmsim.tokens.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": ["crmsim.parsers.StrictJSONParser"],
    "EXCEPTION_HANDLER": "crmsim.exception_handler.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth": env_str("THROTTLE_AUTH", "20/min"),
        "create": env_str("THROTTLE_CREATE", "60/min"),
        "login_username": THROTTLE_LOGIN_USERNAME,
    },
    "NUM_PROXIES": CRMSIM_NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "crmsim API",
    "DESCRIPTION": "Deterministic, time-paced CRM simulator.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # API (issue #6): offline Swagger UI, separate request/response components, /api/ as the tag prefix.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    "PATH_CONVERTER_OVERRIDES": {"int": {"type": "integer", "minimum": 0, "maximum": MAX_SEED}},
    "ENUM_NAME_OVERRIDES": {
        "ActivityTypeEnum": "crmsim.vocabulary.ACTIVITY_TYPES",
        "LifecycleStageEnum": "crmsim.vocabulary.LIFECYCLE_STAGES",
        "DealStageEnum": "crmsim.vocabulary.DEAL_STAGES",
        "DistributionParamTypeEnum": ["float", "int", "float_list"],
        "SimulationStatusEnum": "simulations.models.Simulation.Status",
        "HealthStatusEnum": ["ok", "degraded"],
        "SinkKindEnum": "simulations.delivery.models.Sink.Kind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
