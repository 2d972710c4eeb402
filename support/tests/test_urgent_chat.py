"""An urgent question reaches the staff chat, named by its reference, never by its words."""

from django.urls import reverse

from notifications.models import ChatEndpoint, Notification


def test_an_urgent_question_is_posted_to_the_staff_chat(make_ticket, make_customer, affected):
    ChatEndpoint.objects.create(
        name="#support", flavour="slack", url="https://hooks.example.com/s"
    )
    affected("vip@example.com", tier="priority")

    urgent = make_ticket(user=make_customer("vip@example.com")).ticket
    make_ticket()  # a normal question: nothing on chat

    [alert] = Notification.objects.filter(channel="chat")
    assert urgent.reference in alert.body_text
    assert reverse("admin:support_ticket_change", args=[urgent.pk]) in alert.body_text
    assert "vip@example.com" not in alert.body_text
    assert urgent.messages.first().body not in alert.body_text
