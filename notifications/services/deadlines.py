"""
Regulatory deadline alerts: the comms team hears of each open deadline, by email and
on chat, when half its time is gone, when a quarter is left, one hour before and when
it falls due; never once it is filed.

Each (deadline, stage) is a DeadlineAlert row, unique in the database, written in the
same transaction as the alert's outbox rows: two beat runs or two workers alert once.
A stage whose moment passed while nothing ran (beat stopped) is recorded without an
alert when a later stage has come too: only the latest news is sent.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from incidents.models import Obligation
from incidents.selectors import obligation_clock
from incidents.services.clocks import obligation_clock_start

from ..models import DeadlineAlert, Notification
from .chat import ChatMessage, admin_url, chat_alert
from .outbox import notification_enqueue_template
from .reminders import comms_team_recipients

Stage = DeadlineAlert.Stage


def deadline_stages(obligation: Obligation) -> list[tuple[str, dt.datetime]]:
    """Each stage's moment, in order; none for a clock not started."""
    start = obligation_clock_start(obligation)
    due = obligation.due_at
    if start is None or due is None:
        return []
    window = due - start
    stages = [
        (Stage.HALF, start + window / 2),
        (Stage.QUARTER, due - window / 4),
        (Stage.HOUR, due - dt.timedelta(hours=1)),
        (Stage.DUE, due),
    ]
    return sorted(stages, key=lambda stage: stage[1])


def deadline_alerts_send(*, now: dt.datetime | None = None) -> int:
    """Alert every stage reached since the last run. Idempotent. Returns alerts sent."""
    now = now or timezone.now()
    _give_up_filed()
    open_deadlines = Obligation.objects.filter(
        filed_at__isnull=True, due_at__isnull=False
    ).select_related("incident", "regime")
    sent = 0
    recipients = comms_team_recipients()
    for obligation in open_deadlines:
        reached = [stage for stage, moment in deadline_stages(obligation) if moment <= now]
        if reached:
            sent += _alert(obligation, reached, recipients, now)
    return sent


def _give_up_filed() -> None:
    """Alerts still waiting (a slow outbox) for a deadline filed since are not sent."""
    waiting = Notification.objects.filter(
        kind="deadline-alert", status=Notification.Status.PENDING
    ).values_list("group", flat=True)
    ids = {int(group.split(":")[1]) for group in waiting.distinct() if group}
    filed = Obligation.objects.filter(pk__in=ids, filed_at__isnull=False).values_list(
        "pk", flat=True
    )
    if filed:
        Notification.objects.filter(
            kind="deadline-alert",
            status=Notification.Status.PENDING,
            group__in=[f"obligation:{pk}" for pk in filed],
        ).update(status=Notification.Status.FAILED, last_error="the deadline was filed")


def _alert(obligation: Obligation, reached: list[str], recipients, now: dt.datetime) -> int:
    done = set(DeadlineAlert.objects.filter(obligation=obligation).values_list("stage", flat=True))
    new = [stage for stage in reached if stage not in done]
    if not new:
        return 0
    try:
        with transaction.atomic():
            for stage in new:
                DeadlineAlert.objects.create(obligation=obligation, stage=stage)
            _enqueue(obligation, new[-1], recipients, now)
    except IntegrityError:  # another run recorded it first: it alerts
        return 0
    return 1


def _enqueue(obligation: Obligation, stage: str, recipients, now: dt.datetime) -> None:
    link = admin_url("admin:incidents_obligation_change", obligation.pk)
    key, group = f"deadline:{obligation.pk}:{stage}", f"obligation:{obligation.pk}"
    for email, language in recipients:
        with translation.override(language):
            clock = obligation_clock(obligation, now=now).text
        notification_enqueue_template(
            template="notifications/email/deadline",
            context={
                "obligation": obligation,
                "stage": Stage(stage),
                "clock": clock,
                "link": link,
            },
            language=language,
            dedupe_key=f"{key}:{email}",
            kind="deadline-alert",
            to_email=email,
            group=group,
        )

    def message() -> ChatMessage:
        return ChatMessage(
            title=_("Deadline: %(regime)s, %(incident)s")
            % {"regime": obligation.regime.name, "incident": obligation.incident.title},
            lines=(
                f"{Stage(stage).label.capitalize()}: {obligation_clock(obligation, now=now).text}",
                _("Due %(when)s UTC, to %(authority)s.")
                % {
                    "when": date_format(obligation.due_at, "j M Y, H:i"),
                    "authority": obligation.regime.authority,
                },
            ),
            link=link,
            link_text=_("Open the deadline"),
        )

    chat_alert(topic="deadlines", key=key, kind="deadline-alert", build=message, group=group)
