"""Writes for customer questions: asking, answering, resolving, rating."""

import datetime as dt
import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from accounts.selectors import user_verified_emails
from audit.services import audit_record
from incidents.digest import email_normalise
from incidents.localized import text_in
from incidents.models import Incident, Tier
from incidents.selectors import exposure_tier_for_emails
from notifications.services.chat import urgent_question_alert
from notifications.services.outbox import notification_enqueue_template

from .audit_actions import Action
from .conf import app_settings
from .models import CannedResponse, Category, Message, Priority, Ticket, TicketStatus

# No 0/O or 1/I/L: references are read out on the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class TicketCreated:
    """What `ticket_create` made: the question, and the private link's token if it has one."""

    ticket: Ticket
    # The private link's token, for people who asked without an account; shown once.
    token: str | None


def ticket_priority(*, category: str, tier: str | None) -> str:
    """
    Affected customers come first, the priority tier before all; a suspicious
    email is urgent for anyone, since phishing follows every breach.

    `tier` is only known for signed-in people with verified addresses: the
    priority (and so the promised response time) must never reveal whether a
    typed-in address is on the affected list.
    """
    if tier == Tier.PRIORITY:
        return Priority.URGENT
    if tier == Tier.STANDARD or category == Category.SUSPICIOUS_EMAIL:
        return Priority.HIGH
    if category == Category.OTHER:
        return Priority.LOW
    return Priority.NORMAL


def first_response_hours(priority: str) -> int:
    return app_settings.FIRST_RESPONSE_HOURS[priority]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_reference() -> str:
    while True:
        reference = "C-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if not Ticket.objects.filter(reference=reference).exists():
            return reference


@transaction.atomic
def ticket_create(
    *,
    subject: str,
    category: str,
    body: str,
    incident: Incident | None = None,
    user=None,
    email: str = "",
    name: str = "",
    language: str | None = None,
    now: dt.datetime | None = None,
) -> TicketCreated:
    """
    Record a question and acknowledge it by email once this commits.

    Signed-in people ask with their account; anyone else gives an address and
    gets a private link (only its hash is stored). The ticket is saved whether
    or not mail can be sent right now: the email waits in the outbox. Emails
    about it are written in `language` (by default the one they asked in).
    """
    now = now or timezone.now()
    tier = exposure_tier_for_emails(emails=user_verified_emails(user=user)) if user else None
    priority = ticket_priority(category=category, tier=tier)
    token = None if user else secrets.token_urlsafe(32)
    ticket = Ticket(
        reference=_new_reference(),
        requester=user,
        requester_email=user.email if user else email,
        requester_name=(user.get_full_name() if user and user.full_name else name),
        access_token_hash=token_hash(token) if token else "",
        language=language or get_language(),
        subject=subject,
        category=category,
        incident=incident,
        priority=priority,
        first_response_due_at=now + dt.timedelta(hours=first_response_hours(priority)),
        created_at=now,
    )
    ticket.full_clean()
    ticket.save()
    Message.objects.create(
        ticket=ticket, author_kind=Message.Author.CUSTOMER, author=user, body=body, created_at=now
    )
    _email(ticket, "acknowledgement", key=f"support-ack:{ticket.pk}", token=token)
    if priority == Priority.URGENT:
        urgent_question_alert(
            reference=ticket.reference,
            category=ticket.get_category_display(),
            due_at=ticket.first_response_due_at,
            link=settings.SITE_URL.rstrip("/")
            + reverse("admin:support_ticket_change", args=[ticket.pk]),
        )
    return TicketCreated(ticket=ticket, token=token)


def ticket_private_path(token: str) -> str:
    return reverse("support:ticket-private", args=[token])


@transaction.atomic
def ticket_reply_by_customer(*, ticket: Ticket, body: str, user=None) -> Message:
    """
    The customer writes again: the question is open for support once more, and a
    rating given earlier no longer stands (it was for an answer that did not settle
    it), so the next resolution can be rated afresh.
    """
    message = Message.objects.create(
        ticket=ticket, author_kind=Message.Author.CUSTOMER, author=user, body=body
    )
    ticket.status = TicketStatus.OPEN
    ticket.resolved_at = None
    ticket.rating = None
    ticket.rating_comment = ""
    ticket.save(update_fields=["status", "resolved_at", "rating", "rating_comment", "updated_at"])
    return message


@transaction.atomic
def ticket_resolve_by_customer(*, ticket: Ticket) -> Ticket:
    """The customer says their question is answered. Idempotent."""
    if not ticket.is_resolved:
        ticket.status = TicketStatus.RESOLVED
        ticket.resolved_at = timezone.now()
        ticket.save(update_fields=["status", "resolved_at", "updated_at"])
        Message.objects.create(
            ticket=ticket,
            author_kind=Message.Author.SYSTEM,
            body=_("The customer marked this question as resolved."),
        )
    return ticket


@transaction.atomic
def ticket_rate(*, ticket: Ticket, rating: int, comment: str = "") -> Ticket:
    """Rate the help received (1-5), once the question is resolved."""
    if not ticket.is_resolved:
        raise ValidationError(_("You can rate the help once your question is resolved."))
    ticket.rating = rating
    ticket.rating_comment = comment
    ticket.full_clean()
    ticket.save(update_fields=["rating", "rating_comment", "updated_at"])
    return ticket


@transaction.atomic
def ticket_reply_by_agent(*, ticket: Ticket, agent, body: str, internal: bool = False) -> Message:
    """
    An agent answers (emailed to the customer, who is then awaited) or writes an
    internal note (never shown or sent to the customer). Either is in the audit
    trail with the agent's name (not the words). An answered question nobody had
    becomes the agent's; the answer's record says whose, so no assignment is recorded.
    """
    now = timezone.now()
    message = Message.objects.create(
        ticket=ticket,
        author_kind=Message.Author.AGENT,
        author=agent,
        body=body,
        is_internal=internal,
        created_at=now,
    )
    action = Action.TICKET_NOTED if internal else Action.TICKET_REPLIED
    audit_record(actor=agent, action=action, target=ticket, target_label=ticket.reference)
    if internal:
        return message
    ticket.status = TicketStatus.WAITING
    ticket.first_responded_at = ticket.first_responded_at or now
    ticket.assignee = ticket.assignee or agent
    ticket.save(update_fields=["status", "first_responded_at", "assignee", "updated_at"])
    _email(ticket, "reply", key=f"support-reply:{message.pk}", message=message)
    return message


@transaction.atomic
def tickets_assign(*, tickets, agent, actor=None) -> int:
    """
    Give the questions to one agent (None: to nobody); returns how many. Each
    question whose assignee changes is in the audit trail with who assigned it,
    from whom and to whom.
    """
    changing = tickets.exclude(assignee=agent).select_related(None).select_related("assignee")
    # Named by reference, as every question's record is; the agents by their sign-in
    # name (staff, not customers).
    for ticket in changing.only("pk", "reference", "assignee__email"):
        audit_record(
            actor=actor,
            action=Action.TICKET_ASSIGNED,
            target=ticket,
            target_label=ticket.reference,
            assignee={
                "from": ticket.assignee.get_username() if ticket.assignee else None,
                "to": agent.get_username() if agent else None,
            },
        )
    return tickets.update(assignee=agent, updated_at=timezone.now())


@transaction.atomic
def tickets_set_status(*, tickets, status: str, actor=None) -> int:
    """
    Set the status of many questions at once; returns how many. Resolving keeps
    the first resolution time; reopening forgets it, as a customer's reply does.
    Each question's new status is in the audit trail with who set it.
    """
    now = timezone.now()
    # Named by reference only: a subject is the customer's own words.
    for ticket in tickets.select_related(None).only("pk", "reference"):
        audit_record(
            actor=actor,
            action=Action.TICKET_STATUS_CHANGED,
            target=ticket,
            target_label=ticket.reference,
            status=status,
        )
    if status not in {TicketStatus.RESOLVED, TicketStatus.CLOSED}:
        return tickets.update(status=status, resolved_at=None, updated_at=now)
    return tickets.update(
        status=status, resolved_at=Coalesce("resolved_at", Value(now)), updated_at=now
    )


PLACEHOLDER = re.compile(r"\{(name|reference|incident|site_url)\}")


def canned_response_render(*, canned: CannedResponse, ticket: Ticket) -> str:
    """
    A canned response for one ticket, in the language it was asked in (English where that
    text is not written yet), its placeholders filled; other braces stay as typed.
    """
    with override(ticket.language):
        values = {
            "name": ticket.requester_name or _("there"),
            "reference": ticket.reference,
            "incident": text_in(ticket.incident, "title")
            if ticket.incident
            else _("the incident"),
            "site_url": settings.SITE_URL,
        }
        body = text_in(canned, "body")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], body)


def _address_proven(ticket: Ticket) -> bool:
    """Whether we write to an address the signed-in asker proved is theirs."""
    if ticket.requester is None:
        return False
    verified = {email_normalise(e) for e in user_verified_emails(user=ticket.requester)}
    return email_normalise(ticket.requester_email) in verified


def _email(ticket: Ticket, template: str, *, key: str, **context) -> None:
    """
    Mail about a question, from our own address. Anyone can type someone else's
    address into the form, so mail to an address nobody proved repeats none of the
    words typed with it (name, subject, question): it is rendered from the
    `<template>_unproven` templates, whose context holds only the reference.
    """
    context["hours"] = first_response_hours(ticket.priority)
    if _address_proven(ticket):
        variant = template
        context["ticket"] = ticket
    else:
        variant = f"{template}_unproven"
        context |= {"reference": ticket.reference, "has_account": ticket.requester_id is not None}
    with override(ticket.language):  # the private link in the asker's language too
        context["private_path"] = (
            ticket_private_path(context["token"]) if context.get("token") else ""
        )
    notification_enqueue_template(
        template=f"support/email/{variant}",
        context=context,
        html=True,
        language=ticket.language,
        dedupe_key=key,
        kind=f"support-{template}",
        to_email=ticket.requester_email,
        # The private link opens the whole conversation: a secret, never shown in
        # admin and erased once sent.
        secret=bool(context["private_path"]),
    )


# How long an agent counts as having a question open after loading its page.
VIEWING_SECONDS = 5 * 60


@dataclass(frozen=True)
class OtherViewer:
    email: str
    seconds_ago: int


def ticket_viewers_note(*, ticket_id: int, agent, now: float | None = None) -> list[OtherViewer]:
    """
    Note that `agent` opened this question, and say who else did in the last few
    minutes, so two agents do not answer one customer twice. Kept in the shared cache
    (Redis in production): approximate by design, and gone after VIEWING_SECONDS.
    """
    now = time.time() if now is None else now
    key = f"support:viewers:{ticket_id}"
    viewers = {
        agent_id: (email, seen)
        for agent_id, (email, seen) in (cache.get(key) or {}).items()
        if now - seen < VIEWING_SECONDS
    }
    others = [
        OtherViewer(email, int(now - seen))
        for agent_id, (email, seen) in viewers.items()
        if agent_id != agent.pk
    ]
    viewers[agent.pk] = (agent.email, now)
    cache.set(key, viewers, VIEWING_SECONDS)
    return others
