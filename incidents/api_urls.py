"""The JSON API: one address for every reader, outside the language prefixes of the pages."""

from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("api/v2/summary.json", views.api_summary, name="summary"),
    path("api/v2/incidents.json", views.api_incidents, name="incidents"),
    path("api/<path:path>", views.api_not_found, name="not-found"),
]
