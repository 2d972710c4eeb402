"""Never go quiet: remind the comms team when an incident has had no update for too long."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from incidents.selectors import incidents_gone_quiet

from .outbox import notification_enqueue_template

COMMS_GROUP = "Comms team"


def comms_team_recipients() -> list[tuple[str, str]]:
    """(email, language) of everyone in the comms team."""
    return list(
        get_user_model()
        .objects.filter(groups__name=COMMS_GROUP, is_active=True)
        .values_list("email", "language")
        .distinct()
    )


def quiet_reminders_send() -> int:
    """
    One reminder per quiet period per person: the dedupe key names the last
    update, so the next reminder comes only after a new update goes quiet too.
    """
    sent = 0
    recipients = comms_team_recipients()
    add_update_url = settings.SITE_URL.rstrip("/") + reverse("admin:incidents_update_add")
    for incident, last in incidents_gone_quiet():
        context = {
            "incident": incident,
            "last": last,
            "admin_url": add_update_url,
        }
        period = last.pk if last else "none"
        for email, language in recipients:
            notification_enqueue_template(
                template="notifications/email/quiet",
                context=context,
                language=language,
                dedupe_key=f"quiet:{incident.pk}:{period}:{email}",
                kind="quiet-reminder",
                to_email=email,
            )
            sent += 1
    return sent
