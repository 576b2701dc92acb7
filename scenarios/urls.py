"""The scenarios API's routes (included under /api/ by crmsim.urls, in the "api" namespace)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from scenarios import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("scenarios/", api.ScenarioListView.as_view(), name="scenario-list"),
    path("scenarios/<slug:slug>/", api.ScenarioDetailView.as_view(), name="scenario-detail"),
]
