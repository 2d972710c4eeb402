"""Never go quiet: remind the comms team when an incident has had no update for too long."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from incidents.selectors import incidents_gone_quiet

from .chat import ChatMessage, chat_alert
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
        _chat(incident, last, key=f"quiet:{incident.pk}:{period}", link=add_update_url)
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


def _chat(incident, last, *, key: str, link: str) -> None:
    def message() -> ChatMessage:
        hours = incident.quiet_hours
        lines = [
            ngettext(
                "No public update for %(hours)d hour.",
                "No public update for %(hours)d hours.",
                hours,
            )
            % {"hours": hours}
        ]
        if last:
            when = date_format(last.publish_at, "j M Y, H:i")
            lines.append(_("The last was posted %(when)s UTC.") % {"when": when})
        return ChatMessage(
            title=_("Gone quiet: %(title)s") % {"title": incident.title},
            lines=tuple(lines),
            link=link,
            link_text=_("Post an update"),
        )

    chat_alert(topic="quiet_incidents", key=key, kind="quiet-reminder", build=message)
