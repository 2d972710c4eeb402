"""
The outbox: every email is a Notification row first, then sent by a worker.

Guarantees: enqueueing is idempotent (one row per dedupe key); a row is sent
by one worker at a time (claimed with SELECT ... FOR UPDATE SKIP LOCKED); a
batch goes over one SMTP connection; a temporary failure is retried with
exponential backoff, a permanent one is marked failed with the reason; a row
whose worker died is returned by the sweep and sent again with the same
Message-ID. A batch's sent rows are marked together when it ends, so the only
possible duplicates are the messages of the batch that was in flight.
"""

import contextlib
import datetime as dt
import hashlib
import logging
import smtplib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import transaction
from django.db.models import F
from django.db.models.constants import OnConflict
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.tasks import enqueue_on_commit

from ..models import Channel, Notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 4 * 3600
# A row claimed longer ago than this belongs to a worker that died.
STALE_CLAIM = dt.timedelta(minutes=5)
# Sends a batch from the outbox (notifications/tasks.py).
SEND_TASK = "notifications.tasks.notifications_send"


class PermanentFailure(Exception):
    """The message can never be delivered as it is (bad address, 5xx)."""


def notification_enqueue(
    *,
    dedupe_key: str,
    kind: str,
    to_email: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    headers: dict | None = None,
    secret: bool = False,
    expires_at: dt.datetime | None = None,
    group: str = "",
) -> Notification:
    """
    Put one email in the outbox and have it sent once this transaction commits.

    Idempotent: a second call with the same dedupe key returns the first row and
    sends nothing more. A `secret` body (a code, a reset link) is erased once the
    message is sent or given up; a message still unsent at `expires_at` is given up.
    """
    notification = Notification(
        dedupe_key=dedupe_key,
        kind=kind,
        to_email=to_email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        headers=headers or {},
        secret=secret,
        expires_at=expires_at,
        group=group,
    )
    if _insert_new(notification):
        enqueue_on_commit(SEND_TASK)
        return notification
    return Notification.objects.get(dedupe_key=dedupe_key)


def _insert_new(notification: Notification) -> bool:
    """
    Insert the row unless its dedupe key is there: whether it was inserted.

    One statement (INSERT ... ON CONFLICT DO NOTHING RETURNING id), where get_or_create
    takes four (a SELECT, then the INSERT in a savepoint): what a mailbox's thousands of
    acknowledgements an hour wait on. An insert of the same key by a transaction not yet
    committed makes this one wait for it, then do nothing.
    """
    meta = Notification._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    # The insert bulk_create makes, for one row, with the id it returns (None: not inserted).
    [row] = Notification.objects._insert(
        [notification], fields=fields, returning_fields=[meta.pk], on_conflict=OnConflict.IGNORE
    )
    if row is None:
        return False
    notification.pk = row[0]
    notification._state.adding = False
    return True


def email_render(
    template: str, context: dict, *, html: bool = False, language: str | None = None
) -> tuple[str, str, str]:
    """
    An email's subject, plain text and (with `html`) HTML, rendered from
    `<template>_subject.txt`, `<template>.txt` and `<template>.html` in `language`
    (by default the active one). Every template gets the site's address and the
    company's name.
    """
    context = {
        "site_url": settings.SITE_URL.rstrip("/"),
        "company_name": settings.COMPANY_NAME,
        **context,
    }
    with translation.override(language or translation.get_language()):
        return (
            " ".join(render_to_string(f"{template}_subject.txt", context).split()),
            render_to_string(f"{template}.txt", context),
            render_to_string(f"{template}.html", context) if html else "",
        )


def notification_enqueue_template(
    *,
    template: str,
    context: dict,
    html: bool = False,
    language: str | None = None,
    **fields,
) -> Notification:
    """`notification_enqueue` with the subject and bodies from `email_render`."""
    subject, body_text, body_html = email_render(template, context, html=html, language=language)
    return notification_enqueue(
        subject=subject, body_text=body_text, body_html=body_html, **fields
    )


def notifications_enqueue_many(notifications: list[Notification]) -> int:
    """
    Put many emails in the outbox at once (a fan-out); rows whose dedupe key is
    already there are skipped, so running a fan-out twice sends nothing twice.
    """
    before = Notification.objects.filter(
        dedupe_key__in=[n.dedupe_key for n in notifications]
    ).count()
    Notification.objects.bulk_create(notifications, ignore_conflicts=True, batch_size=1000)
    enqueue_on_commit(SEND_TASK)
    return len(notifications) - before


def message_id(notification: Notification) -> str:
    """The same Message-ID every time this notification is sent."""
    digest = hashlib.sha256(notification.dedupe_key.encode()).hexdigest()[:40]
    domain = urlsplit(settings.SITE_URL).hostname or "candor.invalid"
    return f"<{digest}@{domain}>"


def notifications_claim(
    *, limit: int, now: dt.datetime | None = None, channels: tuple[str, ...] = (Channel.EMAIL,)
) -> list[Notification]:
    """Take up to `limit` due rows of these channels for this worker; other workers skip them."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(
                status=Notification.Status.PENDING, next_attempt_at__lte=now, channel__in=channels
            )
            .order_by("next_attempt_at", "id")[:limit]
        )
        ids = [n.pk for n in rows]
        Notification.objects.filter(pk__in=ids).update(
            status=Notification.Status.SENDING, claimed_at=now
        )
    return rows


def notifications_send_due(*, limit: int = 100) -> int:
    """
    Claim a batch of due notifications and send it over one SMTP connection.

    The rows sent are marked sent together, with one UPDATE when the batch ends
    (one per email cost as much as the sending itself); a worker that dies
    before then leaves them claimed, and the sweep sends them again with the
    same Message-ID.

    A second thread builds each message while the one before it is on the wire:
    building MIME is CPU work and the SMTP round trips are waiting, so a worker
    overlaps the two instead of adding them up.
    """
    batch = notifications_claim(limit=limit)
    now = timezone.now()
    for notification in [n for n in batch if n.expires_at and n.expires_at <= now]:
        _mark(notification, Notification.Status.FAILED, error="expired before it could be sent")
        batch.remove(notification)
    if not batch:
        return 0
    sent: list[Notification] = []
    connection = get_connection()
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as error:
        for notification in batch:
            _retry_later(notification, error)
        return 0
    builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-build")
    try:
        outgoing = builder.map(_message_prepare, batch)
        for index, (notification, message) in enumerate(zip(batch, outgoing, strict=True)):
            try:
                _send(connection, message)
            except PermanentFailure as error:
                _mark(notification, Notification.Status.FAILED, error=str(error))
            except (OSError, smtplib.SMTPServerDisconnected) as error:
                # The connection is gone: this and the rest of the batch wait and retry.
                for waiting in batch[index:]:
                    _retry_later(waiting, error)
                break
            except smtplib.SMTPException as error:
                _retry_later(notification, error)
            else:
                sent.append(notification)
    finally:
        builder.shutdown(cancel_futures=True)
        # Also when something unexpected stops the batch: what went out is not sent again.
        _mark_sent(sent)
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.close()
    return len(sent)


def notifications_sweep(*, now: dt.datetime | None = None) -> int:
    """Return rows whose worker died to the queue; returns how many are now due."""
    now = now or timezone.now()
    Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(status=Notification.Status.PENDING, next_attempt_at=now)
    return Notification.objects.filter(
        status=Notification.Status.PENDING, next_attempt_at__lte=now
    ).count()


@dataclass(frozen=True)
class _PreparedMessage:
    """A message ready for the wire, or the reason it can never be sent."""

    email: EmailMultiAlternatives | None
    envelope: tuple[str, list[str], bytes] | None = None
    error: str = ""


def _message_prepare(notification: Notification) -> _PreparedMessage:
    """The message as it will go out; touches no database (it runs on the build thread)."""
    email = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.to_email],
        headers={"Message-ID": message_id(notification), **notification.headers},
    )
    if notification.body_html:
        email.attach_alternative(notification.body_html, "text/html")
    try:
        # What Django's SMTP backend would send, made here, ahead of its turn.
        encoding = email.encoding or settings.DEFAULT_CHARSET
        envelope = (
            sanitize_address(email.from_email, encoding),
            [sanitize_address(address, encoding) for address in email.recipients()],
            email.message().as_bytes(linesep="\r\n"),
        )
    except (ValueError, UnicodeError) as error:
        return _PreparedMessage(None, error=f"unsendable message: {error}")
    return _PreparedMessage(email, envelope)


def _send(connection, message: _PreparedMessage) -> None:
    if message.email is None:
        raise PermanentFailure(message.error)
    try:
        if isinstance(connection, SmtpBackend):
            connection.connection.sendmail(*message.envelope)
        else:  # another backend (the console while developing, memory in tests)
            connection.send_messages([message.email])
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if all(code >= 500 for code in codes):
            raise PermanentFailure(f"address refused: {codes}") from error
        raise smtplib.SMTPException(f"address deferred: {codes}") from error
    except smtplib.SMTPResponseException as error:
        if error.smtp_code >= 500:
            raise PermanentFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
        raise


# What a message holding a secret keeps once it is done with: who, what, when; not the
# body, nor headers that carry a link (List-Unsubscribe).
ERASED = {"body_text": "", "body_html": "", "headers": {}}


def _mark(notification: Notification, status: str, *, error: str = "") -> None:
    fields = {"status": status, "attempts": notification.attempts + 1, "last_error": error}
    if status == Notification.Status.SENT:
        fields["sent_at"] = timezone.now()
    if status == Notification.Status.FAILED:
        logger.warning("Notification %s failed for good: %s", notification.pk, error)
    if notification.secret:
        fields |= ERASED
    Notification.objects.filter(pk=notification.pk).update(**fields)


def _mark_sent(notifications: list[Notification]) -> None:
    if notifications:
        fields = {
            "status": Notification.Status.SENT,
            "attempts": F("attempts") + 1,
            "last_error": "",
            "sent_at": timezone.now(),
        }
        secrets = [n.pk for n in notifications if n.secret]
        plain = [n.pk for n in notifications if not n.secret]
        for ids, extra in ((plain, {}), (secrets, ERASED)):
            if ids:
                Notification.objects.filter(pk__in=ids).update(**fields, **extra)


def _retry_later(notification: Notification, error: Exception | str) -> None:
    attempts = notification.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        _mark(notification, Notification.Status.FAILED, error=f"gave up: {error}")
        return
    delay = min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), BACKOFF_MAX_SECONDS)
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.PENDING,
        attempts=attempts,
        last_error=str(error)[:1000],
        next_attempt_at=timezone.now() + dt.timedelta(seconds=delay),
    )
