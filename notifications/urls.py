from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/sent/", views.subscribe_sent, name="subscribe-sent"),
    path("subscribe/confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("subscribe/webhook/", views.webhook_subscribe, name="webhook-subscribe"),
    path("subscribe/webhook/confirm/<str:token>/", views.webhook_confirm, name="webhook-confirm"),
    path(
        "subscribe/webhook/stop/<str:token>/",
        views.webhook_unsubscribe,
        name="webhook-unsubscribe",
    ),
]
