from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Candor"
admin.site.site_title = "Candor admin"
admin.site.index_title = "Incidents, customers and questions"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("incidents.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("support/", include("support.urls")),
    path("", include("notifications.urls")),
    path("admin/login/", views.admin_login, name="admin-login"),
    path("admin/funnel/<slug:slug>/", admin.site.admin_view(views.funnel), name="admin-funnel"),
    path("admin/", admin.site.urls),
]
