"""Reads of the outbox for staff: each role sees the emails about what it may already see."""

from django.db.models import QuerySet

from .models import Notification

# An email is as private as what it is about: a campaign names the person's exposed
# data, tier and remedy; a support email holds their question. The permission a kind
# needs is the one that shows that content elsewhere in admin. A kind missing here
# (account mail with its codes and reset links, or a kind added later) is for
# superusers only: a new kind stays hidden until someone decides who may read it.
KIND_PERMISSIONS = {
    "campaign": "notifications.view_campaign",
    "campaign-test": "notifications.view_campaign",
    "update": "notifications.view_subscription",
    "confirm_subscription": "notifications.view_subscription",
    "already_subscribed": "notifications.view_subscription",
    "quiet-reminder": "incidents.view_incident",
    "deadline-alert": "incidents.view_obligation",
    "update-chat": "incidents.view_incident",
    "urgent-question": "support.view_ticket",
    "webhook-update": "notifications.view_webhooksubscription",
    "webhook-confirm": "notifications.view_webhooksubscription",
    "webhook-already": "notifications.view_webhooksubscription",
    "endpoint-disabled": "notifications.view_chatendpoint",
    "support-acknowledgement": "support.view_ticket",
    "support-reply": "support.view_ticket",
    "support-sla-approaching": "support.view_ticket",
    "support-sla-overdue": "support.view_ticket",
}


def _sees_everything(user) -> bool:
    return user.is_active and user.is_superuser


def notification_kinds_readable(*, user) -> list[str]:
    """The kinds of email `user` may read (every mapped kind for a superuser)."""
    return [kind for kind, permission in KIND_PERMISSIONS.items() if user.has_perm(permission)]


def notifications_readable(
    *, user, queryset: QuerySet[Notification] | None = None
) -> QuerySet[Notification]:
    """The outbox rows `user` may read: for superusers all, for others by kind."""
    queryset = Notification.objects.all() if queryset is None else queryset
    if _sees_everything(user):
        return queryset
    return queryset.filter(kind__in=notification_kinds_readable(user=user))


def notification_is_readable(*, user, notification: Notification) -> bool:
    if _sees_everything(user):
        return True
    permission = KIND_PERMISSIONS.get(notification.kind)
    return permission is not None and user.has_perm(permission)
