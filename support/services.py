"""Writes for customer questions: asking, answering, resolving, rating."""

import datetime as dt
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.formats import number_format
from django.utils.translation import get_language, ngettext, override
from django.utils.translation import gettext as _

from accounts.selectors import user_language_for_email, user_verified_emails
from audit.services import audit_record
from incidents.digest import email_normalise
from incidents.localized import text_in
from incidents.models import Incident, Tier
from incidents.selectors import exposure_tier_for_emails
from notifications.services.outbox import notification_enqueue_template

from .audit_actions import Action
from .conf import app_settings
from .mail import IncomingMail, own_addresses, reply_text
from .models import (
    CannedResponse,
    Category,
    Channel,
    InboundEmail,
    Message,
    Priority,
    Ticket,
    TicketStatus,
)

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
    channel: str = Channel.WEB,
    agent=None,
    mail_id: str = "",
    acknowledge: bool = True,
    ack_context: dict | None = None,
) -> TicketCreated:
    """
    Record a question and acknowledge it by email once this commits.

    Signed-in people ask with their account; anyone else gives an address and
    gets a private link (only its hash is stored). The ticket is saved whether
    or not mail can be sent right now: the email waits in the outbox. Emails
    about it are written in `language` (by default the one they asked in).

    A question taken by phone has the `agent`'s notes of the call as its first
    message; one that came by email, the email (`mail_id`, its Message-ID). A caller
    without an address gets nothing, and no private link.
    """
    now = now or timezone.now()
    tier = exposure_tier_for_emails(emails=user_verified_emails(user=user)) if user else None
    priority = ticket_priority(category=category, tier=tier)
    token = None if user or not email else secrets.token_urlsafe(32)
    reference = _new_reference()
    ticket = Ticket(
        reference=reference,
        requester=user,
        requester_email=user.email if user else email,
        requester_name=(user.get_full_name() if user and user.full_name else name),
        access_token_hash=token_hash(token) if token else "",
        language=language or get_language(),
        subject=subject,
        channel=channel,
        category=category,
        incident=incident,
        priority=priority,
        first_response_due_at=now + dt.timedelta(hours=first_response_hours(priority)),
        created_at=now,
    )
    if acknowledge and ticket.requester_email:
        # Known before the ticket is saved: one write fewer for each emailed question.
        ticket.ack_mail_id = support_mail_id(f"support-ack:{reference}")
    # The reference was just found free (the unique index still guards it) and a new
    # question has no rating to check: validating them again cost four queries a
    # question, which count when a mailbox delivers thousands an hour.
    ticket.full_clean(exclude=["reference"], validate_constraints=False)
    ticket.save()
    Message.objects.create(
        ticket=ticket,
        author_kind=Message.Author.AGENT if agent else Message.Author.CUSTOMER,
        author=agent or user,
        body=body,
        mail_id=mail_id,
        created_at=now,
    )
    if acknowledge:
        context = (ack_context or {}) | {"token": token}
        _email(
            ticket,
            "acknowledgement",
            key=f"support-ack:{ticket.pk}",
            mail_id=ticket.ack_mail_id,
            **context,
        )
    return TicketCreated(ticket=ticket, token=token)


def ticket_private_path(token: str) -> str:
    return reverse("support:ticket-private", args=[token])


@transaction.atomic
def ticket_reply_by_customer(
    *, ticket: Ticket, body: str, user=None, mail_id: str = ""
) -> Message:
    """
    The customer writes again: the question is open for support once more, and a
    rating given earlier no longer stands (it was for an answer that did not settle
    it), so the next resolution can be rated afresh.
    """
    message = Message.objects.create(
        ticket=ticket, author_kind=Message.Author.CUSTOMER, author=user, body=body, mail_id=mail_id
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
    message.mail_id = _email(ticket, "reply", key=f"support-reply:{message.pk}", message=message)
    if message.mail_id:
        message.save(update_fields=["mail_id"])
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


def support_mail_id(key: str) -> str:
    """
    The Message-ID of our email with this dedupe key: the same at every resend, and
    keyed by SECRET_KEY, so nobody can forge a reply "to" a question they never saw.
    """
    digest = salted_hmac("support.mail-id", key, algorithm="sha256").hexdigest()[:40]
    domain = urlsplit(settings.SITE_URL).hostname or "candor.invalid"
    return f"<{digest}@{domain}>"


def _email(ticket: Ticket, template: str, *, key: str, mail_id: str = "", **context) -> str:
    """
    Mail about a question, from our own address; returns its Message-ID, or "" when
    the question has no address (a caller who gave none): then nothing is sent.

    Anyone can type someone else's address into the form, so mail to an address
    nobody proved repeats none of the words typed with it (name, subject, question):
    it is rendered from the `<template>_unproven` templates, whose context holds only
    the reference (and what we know of how it reached us: the channel, attachments).
    """
    if not ticket.requester_email:
        return ""
    context["hours"] = first_response_hours(ticket.priority)
    context["channel"] = ticket.channel
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
    mail_id = mail_id or support_mail_id(key)
    headers = {"Message-ID": mail_id}
    if app_settings.IMAP_HOST:  # answers by email reach the mailbox we read
        headers["Reply-To"] = settings.SUPPORT_EMAIL
    if ticket.channel == Channel.EMAIL and template == "acknowledgement":
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: other robots do not answer it
    notification_enqueue_template(
        template=f"support/email/{variant}",
        context=context,
        html=True,
        language=ticket.language,
        dedupe_key=key,
        kind=f"support-{template}",
        to_email=ticket.requester_email,
        headers=headers,
        # The private link opens the whole conversation: a secret, never shown in
        # admin and erased once sent.
        secret=bool(context["private_path"]),
    )
    return mail_id


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


# --- Questions by email ----------------------------------------------------------------


@transaction.atomic
def inbound_email_receive(*, mail: IncomingMail, now: dt.datetime | None = None):
    """
    Take in one email from the support mailbox: a new question (channel "email"), a
    reply to one of ours, or (from robots, bounces, ourselves) a record only, never
    answered. Returns its InboundEmail, or None when it was taken in before.

    Idempotent and all or nothing: the email's record, with its unique Message-ID, is
    written in the same transaction as what it makes, so mail read twice (a poll that
    stopped before marking it read) makes nothing twice, and a failure makes nothing.

    The sender's address is unproven (anyone can write any From): the question's
    priority never comes from the affected list, the acknowledgement repeats none of
    its words, and mail joins an existing question only when it comes from that
    question's own address. Each address gets at most one acknowledgement an hour.
    """
    now = now or timezone.now()
    if InboundEmail.objects.filter(message_id=mail.message_id).exists():
        return None
    # Written last, in the same transaction: a second poll taking in the same email at
    # the same moment fails on its unique Message-ID, and all it made is undone.
    record = InboundEmail(
        message_id=mail.message_id,
        from_email=mail.from_email,
        subject=mail.subject[:300],
        size=mail.size,
        outcome=InboundEmail.Outcome.TICKET,
        received_at=now,
    )
    robot = _robot_outcome(mail)
    ticket = _ticket_answered_by(mail, any_sender=robot is not None)
    if robot is not None:
        record.outcome, record.ticket = robot, ticket
        record.save()
        if ticket is not None:
            _note(ticket, _("%(what)s arrived about this question; it was not answered.")
                  % {"what": InboundEmail.Outcome(robot).label}, now=now)  # fmt: skip
        return record
    body = mail.body or _("(The email had no text.)")
    if mail.too_large:
        body = _("(The email was too large to read; its text was not kept.)")
    if ticket is not None:
        _mail_notes(ticket, mail, now=now)
        body = reply_text(body)  # not the quoted history, which the thread already has
        ticket_reply_by_customer(ticket=ticket, body=body, mail_id=mail.message_id)
        record.outcome, record.ticket = InboundEmail.Outcome.REPLY, ticket
        record.save()
        return record
    acknowledge = not InboundEmail.objects.filter(
        from_email=mail.from_email,
        acknowledged=True,
        received_at__gte=now - dt.timedelta(seconds=app_settings.MAIL_ACK_INTERVAL_SECONDS),
    ).exists()
    created = ticket_create(
        subject=mail.subject or _("(no subject)"),
        category=Category.OTHER,
        body=body,
        email=mail.from_email,
        name=mail.from_name,
        language=_mail_language(mail),
        now=now,
        channel=Channel.EMAIL,
        mail_id=mail.message_id,
        acknowledge=acknowledge,
        ack_context={"attachments": bool(mail.attachments), "too_large": mail.too_large},
    )
    # Before the question in the thread, so the inbox still previews the customer's words.
    _mail_notes(created.ticket, mail, now=now - dt.timedelta(microseconds=1))
    record.outcome = InboundEmail.Outcome.TOO_LARGE if mail.too_large else record.outcome
    record.ticket, record.acknowledged = created.ticket, acknowledge
    record.save()
    return record


def _robot_outcome(mail: IncomingMail) -> str | None:
    """Why this email must not be answered, or None when a person wrote it."""
    if not mail.from_email or mail.from_email in own_addresses():
        return InboundEmail.Outcome.OURS
    if mail.bounce:
        return InboundEmail.Outcome.BOUNCE
    if mail.automated:
        return InboundEmail.Outcome.AUTOMATED
    return None


def _ticket_answered_by(mail: IncomingMail, *, any_sender: bool) -> Ticket | None:
    """
    The question this email continues: the one whose email it answers (In-Reply-To,
    References), else the one whose reference its subject names. A person's email joins
    it only from the question's own address: a stranger who knows a reference starts a
    question of their own. (A robot's report is only noted, so any sender will do.)
    """
    ticket = None
    if mail.answers:
        ticket = (
            Ticket.objects.filter(ack_mail_id__in=mail.answers).first()
            or Ticket.objects.filter(messages__mail_id__in=mail.answers).first()
        )
    if ticket is None and mail.reference:
        ticket = Ticket.objects.filter(reference=mail.reference).first()
    if ticket is None or any_sender:
        return ticket
    same = email_normalise(ticket.requester_email) == email_normalise(mail.from_email)
    return ticket if same else None


def _mail_language(mail: IncomingMail) -> str:
    """The language its mail program declared, else its address's account's, else ours."""
    return (
        mail.language or user_language_for_email(email=mail.from_email) or settings.LANGUAGE_CODE
    )


def _mail_notes(ticket: Ticket, mail: IncomingMail, *, now: dt.datetime) -> None:
    """Tell the agent what of the email was not kept: attachments, or all of a huge one."""
    if mail.too_large:
        limit = app_settings.MAIL_MAX_BYTES
        _note(ticket, _("This email was refused: it was %(size)s MB, over the limit of "
                        "%(limit)s MB. Only its sender and subject were read; ask the "
                        "customer to write again without attachments.")
              % {"size": _megabytes(mail.size), "limit": _megabytes(limit)}, now=now)  # fmt: skip
    elif mail.attachments:
        listed = ", ".join(f"{a.name} ({_kilobytes(a.size)})" for a in mail.attachments)
        text = ngettext(
            "The email had %(count)d attachment, not kept: %(list)s.",
            "The email had %(count)d attachments, not kept: %(list)s.",
            len(mail.attachments),
        )
        _note(ticket, text % {"count": len(mail.attachments), "list": listed}, now=now)


def _megabytes(size: int) -> str:
    return number_format(size / 1024 / 1024, decimal_pos=1)


def _kilobytes(size: int) -> str:
    return _("%(size)s KB") % {"size": number_format(max(1, round(size / 1024)))}


def _note(ticket: Ticket, text: str, *, now: dt.datetime) -> Message:
    return Message.objects.create(
        ticket=ticket,
        author_kind=Message.Author.SYSTEM,
        body=text,
        is_internal=True,
        created_at=now,
    )


# --- Questions by phone ----------------------------------------------------------------


@transaction.atomic
def ticket_create_for_caller(
    *,
    agent,
    subject: str,
    category: str,
    notes: str,
    email: str = "",
    name: str = "",
    language: str | None = None,
    incident: Incident | None = None,
) -> TicketCreated:
    """
    A question a caller asked on the phone, with the agent's notes of the call as its
    first message. A caller who gave an address gets what the web form sends (the
    reference and the private link); one who gave none gets nothing. The address is
    only what the caller said: it never raises the priority, and the mail repeats
    none of the notes.
    """
    created = ticket_create(
        subject=subject,
        category=category,
        body=notes,
        incident=incident,
        email=email,
        name=name,
        language=language,
        channel=Channel.PHONE,
        agent=agent,
    )
    audit_record(
        actor=agent,
        action=Action.TICKET_CALL_LOGGED,
        target=created.ticket,
        target_label=created.ticket.reference,
    )
    return created


@transaction.atomic
def ticket_log_call(*, ticket: Ticket, agent, notes: str) -> Message:
    """
    The agent's notes of a call about an existing question, shown in its conversation
    (the customer reads them too) and in the audit trail (who, not the words). Nothing
    is emailed: the customer was on the line.
    """
    message = Message.objects.create(
        ticket=ticket,
        author_kind=Message.Author.AGENT,
        author=agent,
        body=_("Phone call: %(notes)s") % {"notes": notes},
    )
    audit_record(
        actor=agent,
        action=Action.TICKET_CALL_LOGGED,
        target=ticket,
        target_label=ticket.reference,
    )
    return message
