"""URL routes: admin, auth pages, the API under /api/ (docs/api.md), /healthz, and the SPA.

The apps' routes are included by name (``include("simulations.api.urls")``), so this module imports no app
(docs/architecture.md, layers).
"""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from crmsim import api as crmsim_api
from crmsim import token_views
from crmsim.views import CrmsimLoginView, spa

api_patterns: list[URLPattern | URLResolver] = [
    path("auth/token/", crmsim_api.TokenView.as_view(), name="auth-token"),
    path("auth/token/rotate/", token_views.TokenRotateView.as_view(), name="auth-token-rotate"),
    path("auth/token/revoke/", token_views.TokenRevokeView.as_view(), name="auth-token-revoke"),
    path("", include("scenarios.urls")),
    path("", include("simulations.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="crmsim/swagger_ui.html"),
        name="docs",
    ),
]

handler404 = "crmsim.api.not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", CrmsimLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include((api_patterns, "api"))),
    path("healthz", crmsim_api.HealthView.as_view(), name="healthz"),
    # --- SPA routes (web UI issue) go below this line ------------------------------------------------------
    path("", spa, name="spa"),
]
