"""The web UI's shell: one page that loads the SPA (templates/spa.html), which talks only to the API.

Everything the browser needs to know before its first API call is in the page: the signed-in user, the API
limits the wizard checks inline (records, window length, time scale), and a CSRF cookie for unsafe requests.
The full vocabulary (stages, types, paces, limits) is served by ``GET /api/vocabulary/``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from crmsim.vocabulary import MAX_TIME_SCALE


@login_required
@ensure_csrf_cookie
def spa(request: HttpRequest) -> HttpResponse:
    """The single-page app; routes live in the URL hash (#/wizard/1, #/simulations/12, ...)."""
    limits = {
        "max_records": settings.CRMSIM_MAX_RECORDS,
        "max_window_days": settings.CRMSIM_MAX_WINDOW_DAYS,
        "max_time_scale": MAX_TIME_SCALE,
    }
    return render(request, "spa.html", {"limits": limits})


class CrmsimLoginView(LoginView):
    """Django's login page, plus (with DEBUG on only) how to sign in locally: the demo account that
    ``make run`` creates (``manage.py demo_user``), or how to create it when it is missing."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if settings.DEBUG:
            username = settings.CRMSIM_DEMO_USERNAME
            context["demo_username"] = username
            context["demo_password"] = settings.CRMSIM_DEMO_PASSWORD
            context["demo_exists"] = get_user_model()._default_manager.filter(username=username).exists()
        return context
