"""Throttles for signing in with a password: the session login, the admin login and the token endpoint.

Two counters, both in the shared cache (so they hold across web processes and hosts):

- per client address (``THROTTLE_LOGIN_CLIENT``, default 20/min): every sign-in POST counts;
- per user name (``THROTTLE_LOGIN_USERNAME``, default 10/hour): failed attempts count, whoever sends them, so
  spreading guesses over many addresses does not help.

The client address is DRF's: ``REMOTE_ADDR``, or the entry ``CRMSIM_NUM_PROXIES`` from the right of
``X-Forwarded-For`` when that many trusted proxies are in front (docs/operations.md). A throttled attempt is
answered 429 with one message that never says whether the user name exists, and the password is not checked.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import escape
from rest_framework.throttling import BaseThrottle

LOCKOUT_MESSAGE = "Too many sign-in attempts. Try again in {wait}."


@dataclass(frozen=True)
class AttemptCounter:
    """A sliding-window count of attempts under ``scope`` in the shared cache (DRF's throttle history)."""

    scope: str
    rate: str

    def _key(self, ident: str) -> str:
        digest = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()
        return f"signin:{self.scope}:{digest}"

    def _limits(self) -> tuple[int, int]:
        """``"10/hour"`` -> (10, 3600): DRF's rate syntax (a count, then s, m, h or d as the period)."""
        count, _, period = self.rate.partition("/")
        seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(period.strip()[:1])
        if not count.strip().isdigit() or seconds is None:
            raise ImproperlyConfigured(f"Throttle rate {self.rate!r} for {self.scope!r} must look like '10/min'.")
        return int(count), seconds

    def wait(self, ident: str) -> float | None:
        """Seconds until ``ident`` may try again, or None when it may try now."""
        allowed, period = self._limits()
        now = time.time()
        history = [moment for moment in cache.get(self._key(ident), []) if moment > now - period]
        if len(history) < allowed:
            return None
        return max(history[-allowed] + period - now, 1.0)

    def record(self, ident: str) -> None:
        """Count one attempt by ``ident`` now."""
        allowed, period = self._limits()
        now = time.time()
        history = [moment for moment in cache.get(self._key(ident), []) if moment > now - period]
        history.append(now)
        cache.set(self._key(ident), history[-allowed:], period)


def client_counter() -> AttemptCounter:
    return AttemptCounter("client", settings.THROTTLE_LOGIN_CLIENT)


def username_counter() -> AttemptCounter:
    return AttemptCounter("username", settings.THROTTLE_LOGIN_USERNAME)


def client_ident(request: HttpRequest) -> str:
    """The client's address as the API throttles see it (``CRMSIM_NUM_PROXIES``)."""
    return str(BaseThrottle().get_ident(request))  # type: ignore[arg-type]


def normalized_username(username: object) -> str:
    return str(username or "").strip().casefold()


def lockout_wait(request: HttpRequest, username: object) -> float | None:
    """Seconds the client or the user name must wait, or None; counts the attempt against the client."""
    counter = client_counter()
    ident = client_ident(request)
    waits = [counter.wait(ident), username_counter().wait(normalized_username(username))]
    if all(wait is None for wait in waits):
        counter.record(ident)
        return None
    return max(wait for wait in waits if wait is not None)


def record_failure(username: object) -> None:
    username_counter().record(normalized_username(username))


def describe_wait(seconds: float) -> str:
    minutes = math.ceil(seconds / 60)
    if seconds <= 60:
        return f"{math.ceil(seconds)} seconds"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def lockout_text(seconds: float) -> str:
    """The one lockout message: the same for a user name that exists and one that does not."""
    return LOCKOUT_MESSAGE.format(wait=describe_wait(seconds))


class LoginThrottleMiddleware:
    """Throttles POSTs to the session login (``login``) and the admin login (``admin:login``).

    A failed attempt is one the login view answers 200 (the form again, with its error); success redirects.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._paths: frozenset[str] | None = None

    def login_paths(self) -> frozenset[str]:
        if self._paths is None:
            self._paths = frozenset({reverse("login"), reverse("admin:login")})
        return self._paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or request.path_info not in self.login_paths():
            return self.get_response(request)
        username = request.POST.get("username", "")
        wait = lockout_wait(request, username)
        if wait is not None:
            return locked_out_page(wait)
        response = self.get_response(request)
        if response.status_code == 200:
            record_failure(username)
        return response


def locked_out_page(wait: float) -> HttpResponse:
    text = escape(lockout_text(wait))
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Too many attempts · crmsim</title>'
        f'</head><body><main><h1>Too many attempts</h1><p role="alert">{text}</p>'
        '<p><a href="/accounts/login/">Back to the login page</a></p></main></body></html>'
    )
    response = HttpResponse(page, status=429, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(math.ceil(wait))
    return response
