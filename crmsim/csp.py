"""The Content-Security-Policy header on every response (``settings.CSP_POLICY``).

The SPA and the login page load only same-origin scripts and stylesheets; Swagger UI at /api/docs/ is the
split view (its start-up script is a separate same-origin request) with its assets from
drf-spectacular-sidecar. The policy allows inline *style attributes* (``style-src-attr``), which the SPA's
progress bars set, but no inline ``<script>`` or ``<style>`` element.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    """Adds ``Content-Security-Policy`` (or ``...-Report-Only`` with ``CSP_REPORT_ONLY``) unless a view set one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        header = "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"
        if settings.CSP_POLICY and header not in response.headers:
            response.headers[header] = settings.CSP_POLICY
        return response
