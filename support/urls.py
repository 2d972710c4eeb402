from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("", views.ticket_list, name="ticket-list"),
    path("new/", views.ticket_new, name="ticket-new"),
    path("new/answers/", views.faq_suggestions, name="faq-suggestions"),
    path("t/<str:token>/", views.ticket_private, name="ticket-private"),
    path("<str:reference>/", views.ticket_detail, name="ticket-detail"),
]
