"""The simulations API's routes (included under /api/ by crmsim.urls, in the "api" namespace)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from simulations.api import charts, inputs, outputs, profile, records, simulations, sinks, stories, vocabulary

simulation_patterns: list[URLPattern | URLResolver] = [
    path("", simulations.SimulationListView.as_view(), name="simulation-list"),
    path("<int:pk>/", simulations.SimulationDetailView.as_view(), name="simulation-detail"),
    path("<int:pk>/start/", simulations.StartView.as_view(), name="simulation-start"),
    path("<int:pk>/pause/", simulations.PauseView.as_view(), name="simulation-pause"),
    path("<int:pk>/resume/", simulations.ResumeView.as_view(), name="simulation-resume"),
    path("<int:pk>/cancel/", simulations.CancelView.as_view(), name="simulation-cancel"),
    path("<int:pk>/progress/", outputs.ProgressView.as_view(), name="simulation-progress"),
    path("<int:pk>/charts/", charts.ChartsView.as_view(), name="simulation-charts"),
    path("<int:pk>/report/", outputs.ReportView.as_view(), name="simulation-report"),
    path("<int:pk>/export/", outputs.ExportView.as_view(), name="simulation-export"),
    path("<int:pk>/owners/", records.OwnerListView.as_view(), name="simulation-owners"),
    path("<int:pk>/companies/", records.CompanyListView.as_view(), name="simulation-companies"),
    path("<int:pk>/contacts/", records.ContactListView.as_view(), name="simulation-contacts"),
    path("<int:pk>/contacts/<int:key>/timeline/", stories.ContactTimelineView.as_view(), name="contact-timeline"),
    path("<int:pk>/deals/", records.DealListView.as_view(), name="simulation-deals"),
    path("<int:pk>/deals/<int:key>/", stories.DealPageView.as_view(), name="deal-page"),
    path("<int:pk>/deals/<int:key>/contacts/", stories.DealContactsView.as_view(), name="deal-contacts"),
    path("<int:pk>/activities/", records.ActivityListView.as_view(), name="simulation-activities"),
    path("<int:pk>/deliveries/", sinks.DeliveriesView.as_view(), name="simulation-deliveries"),
    path("<int:pk>/deliveries/replay/", sinks.ReplayView.as_view(), name="simulation-deliveries-replay"),
]

sink_patterns: list[URLPattern | URLResolver] = [
    path("", sinks.SinkListView.as_view(), name="sink-list"),
    path("<int:pk>/", sinks.SinkDetailView.as_view(), name="sink-detail"),
    path("<int:pk>/test/", sinks.SinkTestView.as_view(), name="sink-test"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("scenarios/<slug:slug>/preview/", inputs.PreviewView.as_view(), name="scenario-preview"),
    path("distributions/", inputs.DistributionListView.as_view(), name="distribution-list"),
    path("vocabulary/", vocabulary.VocabularyView.as_view(), name="vocabulary"),
    path("profile/", profile.ProfileView.as_view(), name="profile"),
    path("simulations/", include(simulation_patterns)),
    path("sinks/", include(sink_patterns)),
]
