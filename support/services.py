"""Writes for customer questions: asking, answering, resolving, rating."""

import datetime as dt
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
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

from accounts.selectors import user_verified_emails
from audit.services import audit_record
from core.tasks import enqueue_on_commit
from incidents.digest import email_normalise
from incidents.localized import text_in
from incidents.models import Incident, Tier
from incidents.selectors import exposure_tier_for_emails
from notifications.models import Notification
from notifications.services.chat import urgent_question_alert
from notifications.services.outbox import (
    email_render,
    notification_enqueue,
    notification_enqueue_template,
    notifications_enqueue_many,
)

from .audit_actions import Action
from .conf import app_settings
from .mail import IncomingMail, mail_category, own_addresses, reply_text
from .models import (
    BulkAnswer,
    BulkAnswerItem,
    CannedResponse,
    Category,
    Channel,
    InboundEmail,
    Macro,
    Message,
    Priority,
    SlaAlert,
    Ticket,
    TicketStatus,
)
from .selectors import MailKnown, mail_known, token_hash

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


def _new_reference() -> str:
    while True:
        reference = "C-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if not Ticket.objects.filter(reference=reference).exists():
            return reference


# Inside a caller's transaction (an emailed or phoned question's) it adds no savepoint,
# two statements fewer a question: its failure fails that whole transaction, which no
# caller catches.
@transaction.atomic(savepoint=False)
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
            # An emailed question's acknowledgement answers it: known without a query.
            thread=MailThread(references=[mail_id], in_reply_to=mail_id) if mail_id else None,
            **context,
        )
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
    message.mail_id = _email(
        ticket,
        "reply",
        key=f"support-reply:{message.pk}",
        thread=mail_threads(ticket_ids=[ticket.pk]).get(ticket.pk),
        message=message,
    )
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
        body = text_in(canned, "body")
    return _placeholders_fill(body, ticket)


def _placeholders_fill(text: str, ticket: Ticket, *, typed_name: bool = True) -> str:
    """
    `text` with its placeholders filled for this ticket, in the language it was asked in;
    without `typed_name`, {name} is never the name typed with the question.
    """
    with override(ticket.language):
        values = {
            "name": (ticket.requester_name if typed_name else "") or _("there"),
            "reference": ticket.reference,
            "incident": text_in(ticket.incident, "title")
            if ticket.incident
            else _("the incident"),
            "site_url": settings.SITE_URL,
        }
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


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


# The Message-IDs a References header keeps at most: the first and the latest (RFC 5322
# allows trimming between them), so a long conversation does not make a huge header.
REFERENCES_KEPT = 10


@dataclass(frozen=True)
class MailThread:
    """
    The emails of a conversation so far (the customer's and ours), oldest first: what
    our next one continues, so the customer's mail program files it with them.
    """

    references: list[str]
    # The customer's latest email, which ours answers; "" when they never emailed.
    in_reply_to: str = ""

    def headers(self) -> dict[str, str]:
        """In-Reply-To and References (RFC 5322 3.6.4), for those it has."""
        headers = {"In-Reply-To": self.in_reply_to} if self.in_reply_to else {}
        references = self.references
        if len(references) > REFERENCES_KEPT:
            references = references[:1] + references[1 - REFERENCES_KEPT :]
        if references:
            headers["References"] = " ".join(references)
        return headers


def mail_threads(*, ticket_ids) -> dict[int, MailThread]:
    """
    Each question's emails so far, in one query however many questions: the customer's
    (their Message-IDs, recorded as they came in) and ours (the acknowledgement, which
    follows the question, and each emailed answer). Questions without any are left out.
    """
    rows = (
        Message.objects.filter(ticket_id__in=ticket_ids)
        .order_by("ticket_id", "created_at", "pk")
        .values_list(
            "ticket_id", "mail_id", "author_kind", "created_at", "ticket__ack_mail_id",
            "ticket__created_at",
        )
    )  # fmt: skip
    emails: dict[int, list[str]] = {}
    latest_from_customer: dict[int, str] = {}
    acks_due: dict[int, str] = {}
    for ticket_id, mail_id, author_kind, created_at, ack_mail_id, asked_at in rows:
        if ticket_id not in emails:
            emails[ticket_id] = []
            acks_due[ticket_id] = ack_mail_id
        ids = emails[ticket_id]
        # The acknowledgement went out as the question was recorded: after what came with it.
        if acks_due.get(ticket_id) and created_at > asked_at:
            ids.append(acks_due.pop(ticket_id))
        if mail_id:
            ids.append(mail_id)
            if author_kind == Message.Author.CUSTOMER:
                latest_from_customer[ticket_id] = mail_id
    for ticket_id, ack_mail_id in acks_due.items():
        if ack_mail_id:
            emails[ticket_id].append(ack_mail_id)
    return {
        ticket_id: MailThread(references=ids, in_reply_to=latest_from_customer.get(ticket_id, ""))
        for ticket_id, ids in emails.items()
        if ids
    }


def _email(
    ticket: Ticket,
    template: str,
    *,
    key: str,
    mail_id: str = "",
    thread: MailThread | None = None,
    **context,
) -> str:
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
    fields = _email_fields(ticket, template, key=key, mail_id=mail_id, thread=thread, **context)
    notification_enqueue(**fields)
    return fields["headers"]["Message-ID"]


def _email_fields(
    ticket: Ticket,
    template: str,
    *,
    key: str,
    mail_id: str = "",
    thread: MailThread | None = None,
    **context,
) -> dict:
    """
    The outbox fields of `_email`'s message, for one row or a fan-out of many; with the
    `thread` it continues, the headers that file it in that conversation.
    """
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
    subject, body_text, body_html = email_render(
        f"support/email/{variant}", context, html=True, language=ticket.language
    )
    headers = {"Message-ID": mail_id or support_mail_id(key)}
    headers |= thread.headers() if thread else {}
    if app_settings.IMAP_HOST:  # answers by email reach the mailbox we read
        headers["Reply-To"] = settings.SUPPORT_EMAIL
    if ticket.channel == Channel.EMAIL and template == "acknowledgement":
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: other robots do not answer it
    return {
        "dedupe_key": key,
        "kind": f"support-{template}",
        "to_email": ticket.requester_email,
        "subject": subject,
        "body_text": body_text,
        "body_html": body_html,
        "headers": headers,
        # The private link opens the whole conversation: a secret, never shown in
        # admin and erased once sent.
        "secret": bool(context["private_path"]),
    }


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


# --- Macros: a reply and its changes in one step ----------------------------------


@dataclass(frozen=True)
class MacroChange:
    """One change a macro makes to a question, as its preview shows it."""

    key: str
    field: str
    before: str
    after: str


def macro_reply_text(*, macro: Macro, ticket: Ticket) -> str:
    """The macro's reply for this question, in its language: its own text, else its canned one."""
    with override(ticket.language):
        body = text_in(macro, "body")
    if body:
        return _placeholders_fill(body, ticket)
    return canned_response_render(canned=macro.canned, ticket=ticket) if macro.canned else ""


def _macro_outcome(*, macro: Macro, ticket: Ticket, agent, replies: bool) -> dict:
    """The status, priority, assignee and category the question has once the macro is applied."""
    assignee = ticket.assignee or (agent if replies else None)  # as an answer makes it
    if macro.set_assignee == Macro.Assign.ME:
        assignee = agent
    elif macro.set_assignee == Macro.Assign.NOBODY:
        assignee = None
    return {
        "status": macro.set_status or (TicketStatus.WAITING if replies else ticket.status),
        "priority": macro.set_priority or ticket.priority,
        "assignee": assignee,
        "category": macro.set_category or ticket.category,
    }


def macro_changes(*, macro: Macro, ticket: Ticket, agent) -> list[MacroChange]:
    """What applying the macro changes, field by field, for the preview."""
    replies = bool(macro_reply_text(macro=macro, ticket=ticket))
    after = _macro_outcome(macro=macro, ticket=ticket, agent=agent, replies=replies)
    labels = {
        "status": (TicketStatus, _("Status")),
        "priority": (Priority, _("Priority")),
        "category": (Category, _("Category")),
    }
    changes = []
    for field, (choices, label) in labels.items():
        if after[field] != getattr(ticket, field):
            before = choices(getattr(ticket, field)).label
            after_label = str(choices(after[field]).label)
            changes.append(MacroChange(field, str(label), str(before), after_label))
    if after["assignee"] != ticket.assignee:
        nobody = _("nobody")
        changes.append(
            MacroChange(
                "assignee",
                str(_("Assignee")),
                ticket.assignee.email if ticket.assignee else str(nobody),
                after["assignee"].email if after["assignee"] else str(nobody),
            )
        )
    return changes


@transaction.atomic
def macro_apply(*, macro: Macro, ticket: Ticket, agent) -> Message | None:
    """
    Send the macro's reply (as an agent's answer: emailed, in the audit trail) and make
    its changes, each recorded as the agent making it by hand would be, and the use of
    the macro itself. All or nothing. Returns the reply, if the macro has one.
    """
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    body = macro_reply_text(macro=macro, ticket=ticket)
    changes = macro_changes(macro=macro, ticket=ticket, agent=agent)
    after = _macro_outcome(macro=macro, ticket=ticket, agent=agent, replies=bool(body))
    message = ticket_reply_by_agent(ticket=ticket, agent=agent, body=body) if body else None
    this = Ticket.objects.filter(pk=ticket.pk)
    if after["assignee"] != this.get().assignee:
        tickets_assign(tickets=this, agent=after["assignee"], actor=agent)
    if after["status"] != this.get().status:
        tickets_set_status(tickets=this, status=after["status"], actor=agent)
    this.update(priority=after["priority"], category=after["category"])
    audit_record(
        actor=agent,
        action=Action.MACRO_APPLIED,
        target=ticket,
        target_label=ticket.reference,
        macro=macro.title,
        replied=message is not None,
        changed=[change.key for change in changes],
    )
    return message


# --- Bulk answers: one reply to many questions -------------------------------------

# Questions answered per transaction while a bulk answer is sent.
BULK_CHUNK = 200
BULK_TASK = "support.tasks.bulk_answer_deliver"


@transaction.atomic
def bulk_answer_draft(*, tickets, agent) -> BulkAnswer:
    """A draft bulk answer to these questions (one item each), for the agent to write."""
    bulk = BulkAnswer.objects.create(created_by=agent)
    ids = tickets.order_by().values_list("pk", flat=True).distinct()
    BulkAnswerItem.objects.bulk_create(
        (BulkAnswerItem(bulk_answer=bulk, ticket_id=pk) for pk in ids.iterator()),
        batch_size=1000,
    )
    return bulk


def bulk_answer_reply_text(*, bulk: BulkAnswer, ticket: Ticket) -> str:
    """
    The reply one asker gets: in their language (English where none is written), filled.
    No agent reads each one before it goes, so a name typed with a question to an address
    nobody proved (anyone can type anyone's) is not repeated to that address.
    """
    with override(ticket.language):
        body = text_in(bulk, "body")
    return _placeholders_fill(body, ticket, typed_name=_address_proven(ticket))


@transaction.atomic
def bulk_answer_send(*, bulk: BulkAnswer, actor) -> BulkAnswer:
    """
    Start sending once this commits (a worker writes the emails, however many).
    Safe to call again: a bulk answer already sending or sent is left as it is, and
    each asker is answered once. In the audit trail with who sent it and to how many.
    """
    bulk = BulkAnswer.objects.select_for_update().get(pk=bulk.pk)
    if bulk.state != BulkAnswer.State.DRAFT:
        return bulk
    if not bulk.body_en:
        raise ValidationError(_("Write the reply in English before sending it."))
    audit_record(
        actor=actor,
        action=Action.BULK_ANSWER_SENT,
        target=bulk,
        questions=bulk.items.count(),
        status_after=bulk.set_status,
    )
    bulk.state = BulkAnswer.State.SENDING
    bulk.sent_at = timezone.now()
    bulk.save(update_fields=["state", "sent_at"])
    enqueue_on_commit(BULK_TASK, bulk.pk)
    return bulk


def bulk_answer_deliver(*, bulk: BulkAnswer) -> int:
    """
    Answer every question of a bulk answer not answered yet, a chunk per transaction:
    the answer in its conversation, its email in the outbox and the item marked, or
    none of them. Idempotent, and safe beside another worker doing the same (items are
    claimed with SKIP LOCKED); returns how many were answered now.
    """
    answered = 0
    while True:
        with transaction.atomic():
            items = list(
                BulkAnswerItem.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(bulk_answer=bulk, message__isnull=True)
                .select_related("ticket")
                .order_by("pk")[:BULK_CHUNK]
            )
            if not items:
                break
            # What each answer continues, looked up before any is written: one query a chunk.
            threads = mail_threads(ticket_ids=[item.ticket_id for item in items])
            outbox = [_bulk_answer_one(bulk, item, threads.get(item.ticket_id)) for item in items]
            # A caller who gave no address is answered on the question only.
            notifications_enqueue_many([n for n in outbox if n is not None])
            answered += len(items)
    if not bulk.items.filter(message__isnull=True).exists():
        BulkAnswer.objects.filter(pk=bulk.pk).update(state=BulkAnswer.State.SENT)
    return answered


def _bulk_answer_one(
    bulk: BulkAnswer, item: BulkAnswerItem, thread: MailThread | None
) -> Notification | None:
    # As an agent's answer, except that nobody is assigned: one agent does not take
    # on thousands of conversations by answering their common question.
    ticket, now = item.ticket, timezone.now()
    key = f"support-bulk:{bulk.pk}:{ticket.pk}"
    message = Message.objects.create(
        ticket=ticket,
        author_kind=Message.Author.AGENT,
        author=bulk.created_by,
        body=bulk_answer_reply_text(bulk=bulk, ticket=ticket),
        # Its email's Message-ID: an emailed answer to it joins this question.
        mail_id=support_mail_id(key) if ticket.requester_email else "",
        created_at=now,
    )
    item.message = message
    item.save(update_fields=["message"])
    audit_record(
        actor=bulk.created_by,
        action=Action.TICKET_REPLIED,
        target=ticket,
        target_label=ticket.reference,
        bulk_answer=bulk.pk,
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        status=bulk.set_status,
        first_responded_at=Coalesce("first_responded_at", Value(now)),
        resolved_at=now if bulk.set_status in RESOLVED_STATES else None,
        updated_at=now,
    )
    if not ticket.requester_email:
        return None
    fields = _email_fields(
        ticket, "reply", key=key, mail_id=message.mail_id, thread=thread, message=message
    )
    return Notification(group=bulk.group, **fields)


RESOLVED_STATES = {TicketStatus.RESOLVED, TicketStatus.CLOSED}


# --- Merging one person's questions --------------------------------------------------

# The most active status wins when questions are merged: a new question in the
# merged conversation still waits for an answer.
STATUS_ORDER = [TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING,
                TicketStatus.RESOLVED, TicketStatus.CLOSED]  # fmt: skip


@transaction.atomic
def tickets_merge(*, tickets, actor) -> Ticket:
    """
    Merge one person's questions into the first asked: every message moves to it (the
    conversation stays in time order), each other question is closed with a note
    naming the one kept. Refused for questions of different people, or asked without
    an account (nobody proved the address, so one asker could read another's words).
    In the audit trail. Returns the question kept.
    """
    chosen = list(
        Ticket.objects.filter(pk__in=tickets.values("pk"))
        .select_for_update()
        .order_by("created_at", "pk")
    )
    if len(chosen) < 2:
        raise ValidationError(_("Choose two or more questions to merge."))
    requesters = {ticket.requester_id for ticket in chosen}
    if None in requesters:
        raise ValidationError(
            _(
                "Questions asked without an account cannot be merged: nobody proved the "
                "address is the asker's, so one person could read another's conversation."
            )
        )
    if len(requesters) > 1:
        raise ValidationError(
            _(
                "These questions come from different people. Only one person's questions "
                "can be merged into one conversation."
            )
        )
    kept, merged = chosen[0], chosen[1:]
    now = timezone.now()
    Message.objects.filter(ticket__in=merged).update(ticket=kept)
    unanswered = [t for t in chosen if t.first_responded_at is None]
    kept.first_response_due_at = min(t.first_response_due_at for t in unanswered or chosen)
    kept.first_responded_at = None if unanswered else kept.first_responded_at
    kept.status = min((t.status for t in chosen), key=STATUS_ORDER.index)
    kept.resolved_at = kept.resolved_at if kept.status in RESOLVED_STATES else None
    kept.priority = min((t.priority for t in chosen), key=Priority.values.index)
    kept.assignee = kept.assignee or next((t.assignee for t in chosen if t.assignee), None)
    kept.save()
    for ticket in merged:
        with override(ticket.language):
            note = _(
                "This question was merged into %(reference)s: the conversation goes on there."
            )
        Message.objects.create(
            ticket=ticket,
            author_kind=Message.Author.SYSTEM,
            body=note % {"reference": kept.reference},
            created_at=now,
        )
    Ticket.objects.filter(pk__in=[t.pk for t in merged]).update(
        status=TicketStatus.CLOSED, resolved_at=now, updated_at=now, merged_into=kept
    )
    # Questions merged earlier into one merged now: theirs too goes on in the kept one.
    Ticket.objects.filter(merged_into__in=merged).update(merged_into=kept)
    with override(kept.language):
        note = _("Merged into this question: %(references)s.")
    references = ", ".join(t.reference for t in merged)
    Message.objects.create(
        ticket=kept,
        author_kind=Message.Author.SYSTEM,
        body=note % {"references": references},
        created_at=now,
    )
    audit_record(
        actor=actor,
        action=Action.TICKET_MERGED,
        target=kept,
        target_label=kept.reference,
        merged=[t.reference for t in merged],
    )
    return kept


# --- Never late in silence ------------------------------------------------------------

AGENTS_GROUP = "Support agents"
LEADS_GROUP = "Support leads"
# Questions named in one alert email at most; the rest are counted.
ALERT_LISTED = 50


def sla_alerts_send(*, now: dt.datetime | None = None) -> int:
    """
    Alert the agents about unanswered questions nobody has whose answer is nearly due
    (SUPPORT_SLA_WARNING_MINUTES), and the leads about overdue ones: one email per
    person and run, in their language, naming the questions. Each question alerts each
    stage once (a unique row per question and stage, written with the emails), and
    never once it is answered or resolved. Returns how many questions alerted.
    """
    now = now or timezone.now()
    warning = dt.timedelta(minutes=app_settings.SLA_WARNING_MINUTES)
    waiting = Ticket.objects.filter(first_responded_at__isnull=True).exclude(
        status__in=RESOLVED_STATES
    )
    approaching = waiting.filter(
        assignee__isnull=True,
        first_response_due_at__gt=now,
        first_response_due_at__lte=now + warning,
    )
    overdue = waiting.filter(first_response_due_at__lte=now)
    return _sla_alert(SlaAlert.Stage.APPROACHING, approaching, AGENTS_GROUP, now) + _sla_alert(
        SlaAlert.Stage.OVERDUE, overdue, LEADS_GROUP, now
    )


@transaction.atomic
def _sla_alert(stage: str, tickets, group: str, now: dt.datetime) -> int:
    due = list(
        tickets.exclude(sla_alerts__stage=stage)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("first_response_due_at", "pk")
    )
    if not due:
        return 0
    # A unique row per question and stage: a second run (or a concurrent one that got
    # past the locks) fails here, with its emails, instead of alerting twice.
    SlaAlert.objects.bulk_create([SlaAlert(ticket=t, stage=stage, created_at=now) for t in due])
    recipients = (
        get_user_model()
        .objects.filter(groups__name=group, is_active=True)
        .values_list("pk", "email", "language")
        .distinct()
    )
    inbox = settings.SITE_URL.rstrip("/") + reverse("admin:support_ticket_changelist")
    listed = [
        (t, settings.SITE_URL.rstrip("/") + reverse("admin:support_ticket_change", args=[t.pk]))
        for t in due[:ALERT_LISTED]
    ]
    context = {"stage": stage, "count": len(due), "listed": listed,
               "more": len(due) - len(listed), "inbox_url": inbox}  # fmt: skip
    for pk, email, language in recipients:
        notification_enqueue_template(
            template="support/email/sla_alert",
            context=context,
            language=language,
            # The first question of a stage alerts once: the run that alerts it is unique.
            dedupe_key=f"support-sla:{stage}:{due[0].pk}:{pk}",
            kind=f"support-sla-{stage}",
            to_email=email,
        )
    return len(due)


# --- Questions by email ----------------------------------------------------------------


@transaction.atomic
def inbound_email_receive(
    *, mail: IncomingMail, now: dt.datetime | None = None, known: MailKnown | None = None
):
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

    `known` (selectors.mail_known) is what was looked up for a batch of emails at once,
    this one among them; it is looked up for this one alone when not given, and this
    email's record is added to it.
    """
    now = now or timezone.now()
    known = known or mail_known(mails=[mail], now=now)
    if mail.message_id in known.taken_in:
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
        if ticket is not None:
            _note(ticket, _("%(what)s arrived about this question; it was not answered.")
                  % {"what": InboundEmail.Outcome(robot).label}, now=now)  # fmt: skip
        return _inbound_record(record, known)
    body = mail.body or _("(The email had no text.)")
    if mail.too_large:
        body = _("(The email was too large to read; its text was not kept.)")
    if ticket is not None:
        _mail_notes(ticket, mail, now=now)
        body = reply_text(body)  # not the quoted history, which the thread already has
        ticket_reply_by_customer(ticket=ticket, body=body, mail_id=mail.message_id)
        record.outcome, record.ticket = InboundEmail.Outcome.REPLY, ticket
        return _inbound_record(record, known)
    acknowledge = mail.from_email not in known.acknowledged
    created = ticket_create(
        subject=mail.subject or _("(no subject)"),
        # From its words, as a web asker picks one: never from the affected list.
        category=mail_category(mail.subject, mail.body),
        body=body,
        email=mail.from_email,
        name=mail.from_name,
        # As its mail program declared it, else as its address's account reads the site.
        language=mail.language or known.languages.get(mail.from_email) or settings.LANGUAGE_CODE,
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
    return _inbound_record(record, known)


def _inbound_record(record: InboundEmail, known: MailKnown) -> InboundEmail:
    record.save()
    known.taken_in.add(record.message_id)
    if record.acknowledged:
        known.acknowledged.add(record.from_email)
    return record


def _robot_outcome(mail: IncomingMail) -> str | None:
    """Why this email must not be answered, or None when a person wrote it."""
    if mail.from_email in own_addresses():
        return InboundEmail.Outcome.OURS
    if mail.bounce:
        return InboundEmail.Outcome.BOUNCE
    if mail.automated or not mail.from_email:  # nobody to answer
        return InboundEmail.Outcome.AUTOMATED
    return None


def _ticket_answered_by(mail: IncomingMail, *, any_sender: bool) -> Ticket | None:
    """
    The question this email continues: the one of the emails it answers, taken in the
    order it names them (In-Reply-To, then References from the newest), else the one
    whose reference its subject names. A person's email continues only a question
    from its own address: naming someone else's (a Message-ID is no secret, everyone a
    customer wrote to has theirs) passes over it, and a stranger who knows a reference
    starts a question of their own. (A robot's report is only noted: any sender will do.)
    An answer to a question since merged into another continues the one kept.
    """
    answered = {}
    if mail.answers:
        messages = Message.objects.filter(mail_id__in=mail.answers).select_related("ticket")
        answered = {message.mail_id: message.ticket for message in messages}
        acknowledged = Ticket.objects.filter(ack_mail_id__in=mail.answers)
        answered |= {ticket.ack_mail_id: ticket for ticket in acknowledged}
    candidates = [answered[mail_id] for mail_id in mail.answers if mail_id in answered]
    if mail.reference:
        candidates += list(Ticket.objects.filter(reference=mail.reference))
    sender = email_normalise(mail.from_email)
    for ticket in candidates:
        if any_sender or email_normalise(ticket.requester_email) == sender:
            # A question merged away goes on in the one it was merged into (same asker).
            return ticket.merged_into or ticket
    return None


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


def tickets_export_record(*, tickets, actor, with_text: bool, period: str = "") -> int:
    """
    Record in the audit trail that `actor` took `tickets` away as a CSV (how many, and
    whether with the customers' text), before a row is sent; returns the count.
    """
    count = tickets.count()
    audit_record(
        actor=actor,
        action=Action.TICKETS_EXPORTED,
        target_label=period,
        count=count,
        with_text=with_text,
    )
    return count
