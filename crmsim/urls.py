"""URL routes: admin, auth pages, the API under /api/ (docs/api.md), /healthz, and the SPA."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from crm import api as crm_api
from crmsim import api as crmsim_api
from crmsim.views import spa
from crmsim.vocabulary_stub_view import VocabularyView
from scenarios import api as scenarios_api
from simulations import api as simulations_api
from simulations.delivery import api as delivery_api

simulation_patterns: list[URLPattern | URLResolver] = [
    path("", simulations_api.SimulationListView.as_view(), name="simulation-list"),
    path("<int:pk>/", simulations_api.SimulationDetailView.as_view(), name="simulation-detail"),
    path("<int:pk>/start/", simulations_api.StartView.as_view(), name="simulation-start"),
    path("<int:pk>/pause/", simulations_api.PauseView.as_view(), name="simulation-pause"),
    path("<int:pk>/resume/", simulations_api.ResumeView.as_view(), name="simulation-resume"),
    path("<int:pk>/cancel/", simulations_api.CancelView.as_view(), name="simulation-cancel"),
    path("<int:pk>/progress/", simulations_api.ProgressView.as_view(), name="simulation-progress"),
    path("<int:pk>/report/", simulations_api.ReportView.as_view(), name="simulation-report"),
    path("<int:pk>/export/", simulations_api.ExportView.as_view(), name="simulation-export"),
    path("<int:pk>/companies/", crm_api.CompanyListView.as_view(), name="simulation-companies"),
    path("<int:pk>/contacts/", crm_api.ContactListView.as_view(), name="simulation-contacts"),
    path("<int:pk>/contacts/<int:key>/timeline/", crm_api.ContactTimelineView.as_view(), name="contact-timeline"),
    path("<int:pk>/deals/", crm_api.DealListView.as_view(), name="simulation-deals"),
    path("<int:pk>/activities/", crm_api.ActivityListView.as_view(), name="simulation-activities"),
    path("<int:pk>/deliveries/", delivery_api.DeliveriesView.as_view(), name="simulation-deliveries"),
    path("<int:pk>/deliveries/replay/", delivery_api.ReplayView.as_view(), name="simulation-deliveries-replay"),
]

sink_patterns: list[URLPattern | URLResolver] = [
    path("", delivery_api.SinkListView.as_view(), name="sink-list"),
    path("<int:pk>/", delivery_api.SinkDetailView.as_view(), name="sink-detail"),
    path("<int:pk>/test/", delivery_api.SinkTestView.as_view(), name="sink-test"),
]

api_patterns: list[URLPattern | URLResolver] = [
    path("auth/token/", crmsim_api.TokenView.as_view(), name="auth-token"),
    path("scenarios/", scenarios_api.ScenarioListView.as_view(), name="scenario-list"),
    path("scenarios/<slug:slug>/", scenarios_api.ScenarioDetailView.as_view(), name="scenario-detail"),
    path("scenarios/<slug:slug>/preview/", simulations_api.PreviewView.as_view(), name="scenario-preview"),
    path("distributions/", simulations_api.DistributionListView.as_view(), name="distribution-list"),
    path("profile/", simulations_api.ProfileView.as_view(), name="profile"),
    path("vocabulary/", VocabularyView.as_view(), name="vocabulary"),
    path("simulations/", include(simulation_patterns)),
    path("sinks/", include(sink_patterns)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

handler404 = "crmsim.api.not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include((api_patterns, "api"))),
    path("healthz", crmsim_api.HealthView.as_view(), name="healthz"),
    # --- SPA routes (web UI issue) go below this line ------------------------------------------------------
    path("", spa, name="spa"),
]
