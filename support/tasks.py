from celery import shared_task

from core.tasks import delay_or_defer

from . import mailbox


@shared_task(acks_late=True)
def bulk_answer_deliver(bulk_answer_id: int) -> int:
    """Answer a bulk answer's questions. Safe to run twice: nobody is answered twice."""
    from .models import BulkAnswer
    from .services import bulk_answer_deliver as deliver

    bulk = BulkAnswer.objects.select_related("created_by").filter(pk=bulk_answer_id).first()
    return deliver(bulk=bulk) if bulk else 0


@shared_task
def support_watch() -> int:
    """
    Every 5 minutes (Celery beat): alert about questions nearly due or overdue, and
    restart bulk answers that a dead worker or a broker outage stopped.
    """
    from .selectors import bulk_answers_stalled
    from .services import sla_alerts_send

    for bulk_answer_id in bulk_answers_stalled():
        delay_or_defer(bulk_answer_deliver, bulk_answer_id)
    return sla_alerts_send()


@shared_task(ignore_result=True)
def support_mailbox_poll() -> None:
    """Take in the support mailbox's new mail (beat runs it; safe to run twice at once)."""
    mailbox.mailbox_poll()
