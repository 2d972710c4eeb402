"""
The support mailbox, read over IMAP (imap-tools): its unread mail is taken in as
questions and replies (services.inbound_email_receive), then marked read (and moved,
when SUPPORT_IMAP_DONE_FOLDER is set), so each email is read once.

An email is marked only after what it made is committed; a poll that stops between
the two leaves it unread, and the next poll finds it already taken in (its
Message-ID is recorded) and only marks it. Nothing is lost, nothing made twice. An
email whose intake fails is logged and left unread for the next poll; the others go on.

Each chunk is taken in by a few threads (SUPPORT_IMAP_THREADS), each with its own
database connection, so one email's Python work overlaps another's database round
trips. Emails are shared out by sender: one address's emails are taken in by one
thread, in the order they came, so a reply never overtakes its question and the
once-an-hour acknowledgement is counted without a race.
"""

import contextlib
import logging
import zlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError, connection
from imap_tools import AND, MailBox, MailBoxUnencrypted, MailMessageFlags

from core.tasks import enqueue_held

from . import selectors, services
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
    lanes = defaultdict(list)
    threads = _threads()
    for head in heads:
        message = whole.get(head.uid)
        mail = mail_parse(message or head, size=head.size_rfc822, too_large=message is None)
        lanes[zlib.crc32(mail.from_email.encode()) % threads].append((head.uid, mail))
    if threads == 1:
        taken = [_take_in_lane(lane) for lane in lanes.values()]
    else:
        with ThreadPoolExecutor(len(lanes), thread_name_prefix="mailbox") as pool:
            taken = list(pool.map(_take_in_lane, lanes.values(), [True] * len(lanes)))
    new = sum(count for count, _uids in taken)
    done = [uid for _count, uids in taken for uid in uids]
    if done:
        box.flag(done, MailMessageFlags.SEEN, True)
        if app_settings.IMAP_DONE_FOLDER:
            box.move(done, app_settings.IMAP_DONE_FOLDER)
    return new


def _threads() -> int:
    # SQLite writes one transaction at a time: threads would only wait for each other.
    # Called inside a transaction, the intake joins it: other connections would not.
    if connection.vendor == "sqlite" or connection.in_atomic_block:
        return 1
    return max(1, app_settings.IMAP_THREADS)


def _take_in_lane(lane, own_connection: bool = False) -> tuple[int, list[str]]:
    """Take in one sender's share of a chunk, in order; returns (new, uids done)."""
    new, done = 0, []
    try:
        # What every email of the lane needs looked up, in three queries for all of them.
        try:
            known = selectors.mail_known(mails=[mail for _uid, mail in lane])
        except Exception:
            logger.exception("Support mailbox: %d emails not looked up; left unread", len(lane))
            return 0, []
        # The lane's acknowledgements ask a worker to send once, not a broker round trip each.
        with enqueue_held():
            for uid, mail in lane:
                try:
                    with contextlib.suppress(IntegrityError):  # another poll took it in just now
                        new += services.inbound_email_receive(mail=mail, known=known) is not None
                except Exception:
                    # Not the address or subject: the log must not carry customers' data.
                    logger.exception(
                        "Support mailbox: %s not taken in; left unread", mail.message_id
                    )
                    continue
                done.append(uid)
    finally:
        if own_connection:
            connection.close()  # this thread's own
    return new, done
