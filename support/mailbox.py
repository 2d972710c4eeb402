"""
The support mailbox, read over IMAP (imap-tools): its unread mail is taken in as
questions and replies (services.inbound_email_receive), then marked read (and moved,
when SUPPORT_IMAP_DONE_FOLDER is set), so each email is read once.

An email is marked only after what it made is committed; a poll that stops between
the two leaves it unread, and the next poll finds it already taken in (its
Message-ID is recorded) and only marks it. Nothing is lost, nothing made twice.
"""

import contextlib
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError
from imap_tools import AND, MailBox, MailBoxUnencrypted, MailMessageFlags

from . import services
from .conf import app_settings
from .mail import mail_parse

logger = logging.getLogger(__name__)

# Emails fetched per IMAP command: a few MB of memory at most (large ones come without body).
CHUNK = 50
# One poll at a time: the next beat's poll, while this one runs, has nothing to do.
LOCK_KEY = "support:mailbox-poll"
LOCK_SECONDS = 600


@dataclass
class PollResult:
    seen: int = 0
    taken_in: int = 0


def mailbox_poll(*, limit: int | None = None) -> PollResult:
    """
    Take in up to `limit` (by default SUPPORT_IMAP_BATCH) unread emails, oldest first.
    Does nothing while SUPPORT_IMAP_HOST is unset, or while another poll runs.
    """
    result = PollResult()
    if not app_settings.IMAP_HOST or not cache.add(LOCK_KEY, 1, LOCK_SECONDS):
        return result
    try:
        with _connect() as box:
            uids = box.uids(AND(seen=False))[: limit or app_settings.IMAP_BATCH]
            for start in range(0, len(uids), CHUNK):
                chunk = uids[start : start + CHUNK]
                result.taken_in += _take_in(box, chunk)
                result.seen += len(chunk)
    finally:
        cache.delete(LOCK_KEY)
    if result.seen:
        logger.info("Support mailbox: %d read, %d new", result.seen, result.taken_in)
    return result


def _connect():
    kind = MailBox if app_settings.IMAP_TLS else MailBoxUnencrypted
    box = kind(app_settings.IMAP_HOST, app_settings.IMAP_PORT, timeout=30)
    return box.login(
        app_settings.IMAP_USER, app_settings.IMAP_PASSWORD, initial_folder=app_settings.IMAP_FOLDER
    )


def _take_in(box, uids: list[str]) -> int:
    """Take in these emails, then mark them read; returns how many were new."""
    # Headers first: an email over the size limit is never downloaded whole.
    heads = list(box.fetch(AND(uid=uids), headers_only=True, mark_seen=False, bulk=True))
    small = [m.uid for m in heads if m.size_rfc822 <= app_settings.MAIL_MAX_BYTES]
    whole = {}
    if small:
        whole = {m.uid: m for m in box.fetch(AND(uid=small), mark_seen=False, bulk=True)}
    new, done = 0, []
    for head in heads:
        message = whole.get(head.uid)
        mail = mail_parse(message or head, size=head.size_rfc822, too_large=message is None)
        with contextlib.suppress(IntegrityError):  # another poll took it in just now
            new += services.inbound_email_receive(mail=mail) is not None
        done.append(head.uid)
    if done:
        box.flag(done, MailMessageFlags.SEEN, True)
        if app_settings.IMAP_DONE_FOLDER:
            box.move(done, app_settings.IMAP_DONE_FOLDER)
    return new
