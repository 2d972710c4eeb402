from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("me/", views.me, name="me"),
    path("me/security/", views.me_security, name="me-security"),
    path("me/security/phishing/", views.phishing_guide, name="phishing-guide"),
    path("me/new-password/", views.new_password, name="new-password"),
]
