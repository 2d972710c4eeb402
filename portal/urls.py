from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from notifications import views as notifications_views

from . import i18n, views

admin.site.site_header = "Candor"
admin.site.site_title = "Candor admin"
admin.site.index_title = "Incidents, customers and questions"
# The app list beside every page took a fifth of a laptop's width from the support
# inbox's columns; the breadcrumbs and the admin's home page lead everywhere it did.
admin.site.enable_nav_sidebar = False

# Machines, mail clients and staff: one address each, whatever the reader's language.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", include("incidents.api_urls")),
    path("language/<str:code>/", i18n.language_switch, name="language-switch"),
    # Emails sent before pages had a language prefix carry this List-Unsubscribe address:
    # mail clients POST to it for one-click unsubscribe (RFC 8058) and follow no redirect.
    path(
        "unsubscribe/<str:token>/", notifications_views.unsubscribe, name="unsubscribe-one-click"
    ),
    path("admin/login/", views.admin_login, name="admin-login"),
    # Outside the admin's namespace: views.funnel holds to the admin's rules itself.
    path("admin/funnel/<slug:slug>/", views.funnel, name="admin-funnel"),
    path("admin/", admin.site.urls),
]

# People: every page under its language (/en/..., /es/...). A page's language is in its
# address, so the public page cache and CDNs need no Vary: Cookie; a path without a
# prefix (old links, "/", feeds) is redirected by the language cookie, then Accept-Language.
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("", include("incidents.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("support/", include("support.urls")),
    path("", include("notifications.urls")),
)

handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler500 = "portal.errors.server_error"
