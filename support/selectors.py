"""Reads for support: the customer's side, the agents' bulk answers, search and export."""

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import BooleanField, Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone
from modeltranslation.utils import get_translation_fields

from accounts.selectors import user_languages_for_emails
from incidents.models import FAQ, Incident
from notifications.models import Notification

from .conf import app_settings
from .mail import IncomingMail
from .models import BulkAnswer, InboundEmail, Message, Ticket


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ticket_list_for_user(*, user) -> QuerySet[Ticket]:
    return Ticket.objects.filter(requester=user).order_by("-created_at")


def ticket_get_for_user(*, user, reference: str) -> Ticket:
    """The person's own question, or 404: never a 403 that says it exists."""
    if "\x00" in reference:  # no reference has one, and PostgreSQL refuses to compare it
        raise Http404
    ticket = Ticket.objects.filter(requester=user, reference=reference.upper()).first()
    if ticket is None:
        raise Http404
    return ticket


def incident_id_to_ask_about(*, slug: str) -> int | None:
    """The published incident a question starts about (`?incident=` from "Ask us"), if any."""
    if not slug or "\x00" in slug:
        return None
    return Incident.objects.published().filter(slug=slug).values_list("pk", flat=True).first()


def ticket_get_by_token(*, token: str) -> Ticket:
    ticket = Ticket.objects.filter(access_token_hash=token_hash(token)).first() if token else None
    if ticket is None:
        raise Http404
    return ticket


def ticket_for_reader(*, user, reference: str, readable: list[int]) -> Ticket | None:
    """
    The question this reader may see, or None: their own when signed in, or one
    whose private link this browser opened (`readable`: ids kept in its session).
    """
    if "\x00" in reference:  # no reference has one, and PostgreSQL refuses to compare it
        return None
    allowed = Q(pk__in=[pk for pk in readable if isinstance(pk, int)])
    if user is not None:  # never requester=None: that would be every anonymous question
        allowed |= Q(requester=user)
    return Ticket.objects.filter(allowed, reference=reference.upper()).first()


def ticket_thread_public(*, ticket: Ticket) -> QuerySet[Message]:
    """What the customer sees of the conversation: never internal notes."""
    return ticket.messages.filter(is_internal=False).select_related("author")


def faq_suggestions(*, subject: str, limit: int = 5) -> list[FAQ]:
    """FAQs whose question shares a meaningful word with a subject being typed."""
    subject = subject.replace("\x00", "")  # PostgreSQL cannot compare text holding NUL
    words = [w.strip("?.,!") for w in subject.split() if len(w.strip("?.,!")) > 3][:6]
    if not words:
        return []
    # In every language's question and answer: a reader types in hers ("contraseña
    # expuesta"), and an answer not translated yet is still worth offering.
    fields = get_translation_fields("question", "answer")
    matches = reduce(or_, (Q(**{f"{f}__icontains": w}) for w in words for f in fields))
    candidates = list(FAQ.objects.published().filter(matches).order_by("order", "id")[:50])

    def shared(faq) -> int:  # how many of the typed words the FAQ holds, in any language
        text = " ".join(getattr(faq, f) or "" for f in fields).casefold()
        return sum(word.casefold() in text for word in words)

    return sorted(candidates, key=shared, reverse=True)[:limit]


def bulk_answers_stalled(*, now: dt.datetime | None = None) -> list[int]:
    """Bulk answers still sending long after they started: their worker died or never ran."""
    since = (now or timezone.now()) - dt.timedelta(minutes=5)
    stalled = BulkAnswer.objects.filter(state=BulkAnswer.State.SENDING, sent_at__lt=since)
    return list(stalled.values_list("pk", flat=True))


def bulk_answer_languages(*, bulk: BulkAnswer) -> dict[str, int]:
    """How many of a bulk answer's askers read each language, e.g. {"en": 40, "es": 12}."""
    rows = bulk.items.values_list("ticket__language").annotate(n=Count("pk"))
    return dict(rows.order_by("ticket__language"))


def bulk_answer_samples(*, bulk: BulkAnswer) -> list[Ticket]:
    """One question of a bulk answer per language its askers read, for the preview."""
    samples = []
    for language in bulk_answer_languages(bulk=bulk):
        items = bulk.items.filter(ticket__language=language).select_related("ticket__incident")
        samples.append(items.order_by("pk").first().ticket)
    return samples


def bulk_answer_progress(*, bulk: BulkAnswer) -> dict[str, int]:
    """Questions answered so far and the state of their emails in the outbox."""
    counts = dict(
        Notification.objects.filter(group=bulk.group)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    progress = {status: counts.get(status, 0) for status in Notification.Status.values}
    progress["total"] = bulk.items.count()
    progress["answered"] = bulk.items.filter(message__isnull=False).count()
    return progress


# --- The inbox's search ---------------------------------------------------------------


def _words_match(term: str) -> RawSQL:
    """
    The question's words (subject and every message, support_ticket.search: a column
    the database keeps, see migration 0007) hold all of `term`'s, in any order and case.
    """
    return RawSQL(
        '"support_ticket"."search" @@ plainto_tsquery(\'simple\'::regconfig, %s)',
        [term],
        output_field=BooleanField(),
    )


def ticket_search(*, tickets: QuerySet[Ticket], term: str) -> QuerySet[Ticket]:
    """
    The questions of `tickets` whose reference or asker's address is `term` exactly (any
    case), or whose subject and messages hold all its words. On PostgreSQL a full-text
    search on the GIN index of migration 0007 ('simple': words as typed, no stemming, so
    names, codes and Spanish are found as they are); on SQLite icontains, for small sites.
    """
    term = term.replace("\x00", "").strip()
    if not term:
        return tickets
    exact = Q(reference=term.upper()) | Q(requester_email__iexact=term)
    if connection.vendor != "postgresql":
        in_messages = Message.objects.filter(body__icontains=term).values("ticket_id")
        return tickets.filter(exact | Q(subject__icontains=term) | Q(pk__in=in_messages))
    return tickets.filter(exact | Q(_words_match(term)))


# --- Export -------------------------------------------------------------------------------

EXPORT_COLUMNS = ["reference", "created", "channel", "category", "priority", "status",
                  "language", "assignee", "first response at", "resolved at"]  # fmt: skip


def ticket_export_rows(*, tickets: QuerySet[Ticket], with_text: bool) -> Iterator[list[str]]:
    """
    The CSV's rows, header first, read in chunks from a server-side cursor (PostgreSQL),
    so 200,000 questions never sit in memory at once. `with_text` adds the question's
    first message, which only users with support.export_ticket_text may take away.
    """
    fields = ["reference", "created_at", "channel", "category", "priority", "status",
              "language", "assignee__email", "first_responded_at", "resolved_at"]  # fmt: skip
    if with_text:
        first = Message.objects.filter(ticket=OuterRef("pk"), author_kind=Message.Author.CUSTOMER)
        tickets = tickets.annotate(
            question=Subquery(first.order_by("created_at", "id").values("body")[:1])
        )
        fields.append("question")
    yield EXPORT_COLUMNS + (["question"] if with_text else [])
    rows = tickets.order_by("created_at", "pk").values_list(*fields)
    for row in rows.iterator(chunk_size=2000):
        yield ["" if value is None else _cell(value) for value in row]


# A spreadsheet runs a cell starting with one of these as a formula (CSV injection):
# such a cell gets a leading apostrophe, which shows it as the text it is.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# --- Questions by email ----------------------------------------------------------------


@dataclass
class MailKnown:
    """
    What taking in some emails needs to know, looked up for all of them at once (three
    queries for a chunk's share, not three for each email): the Message-IDs already
    taken in, the senders acknowledged within the interval, and the languages of the
    senders' accounts. The intake adds what each email it takes in makes.
    """

    taken_in: set[str]
    acknowledged: set[str]
    languages: dict[str, str]


def mail_known(*, mails: list[IncomingMail], now: dt.datetime | None = None) -> MailKnown:
    now = now or timezone.now()
    senders = {mail.from_email for mail in mails if mail.from_email}
    since = now - dt.timedelta(seconds=app_settings.MAIL_ACK_INTERVAL_SECONDS)
    recorded = InboundEmail.objects.filter(message_id__in=[mail.message_id for mail in mails])
    acknowledged = InboundEmail.objects.filter(
        from_email__in=senders, acknowledged=True, received_at__gte=since
    )
    return MailKnown(
        taken_in=set(recorded.values_list("message_id", flat=True)),
        acknowledged=set(acknowledged.values_list("from_email", flat=True).distinct()),
        languages=user_languages_for_emails(emails=senders),
    )
