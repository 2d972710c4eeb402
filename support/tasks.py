"""Background work for support: reading the support mailbox."""

from celery import shared_task

from . import mailbox


@shared_task(ignore_result=True)
def support_mailbox_poll() -> None:
    """Take in the support mailbox's new mail (beat runs it; safe to run twice at once)."""
    mailbox.mailbox_poll()
