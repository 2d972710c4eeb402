from django.urls import path

from core.public_pages import public_page

from . import views
from .feeds import IncidentUpdatesFeed, LatestUpdatesFeed

app_name = "incidents"

urlpatterns = [
    path("incidents/feed/", public_page(LatestUpdatesFeed()), name="feed"),
    path("incidents/<slug:slug>/", views.incident_detail, name="incident-detail"),
    path("incidents/<slug:slug>/preview/", views.incident_preview, name="incident-preview"),
    path("incidents/<slug:slug>/feed/", public_page(IncidentUpdatesFeed()), name="incident-feed"),
    path(
        "incidents/<slug:slug>/updates/<int:update_id>/history/",
        views.update_history,
        name="update-history",
    ),
    path("faq/", views.faq_list, name="faq-list"),
]
