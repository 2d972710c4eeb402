from celery import shared_task
from django.utils import timezone

from core.tasks import delay_or_defer

from .services import outbox

BATCH_SIZE = 100


@shared_task(acks_late=True)
def notifications_send() -> int:
    """Send one batch from the outbox; queue another while more is due. Safe to run twice."""
    sent = outbox.notifications_send_due(limit=BATCH_SIZE)
    if sent == BATCH_SIZE:
        notifications_kick()
    return sent


@shared_task
def notifications_sweep() -> None:
    """
    Every minute (Celery beat): recover rows of dead workers and send what is due,
    and restart campaign fan-outs that a dead worker or a broker outage stopped.
    """
    from .models import Campaign

    if outbox.notifications_sweep():
        notifications_kick()
        deliveries_kick()
    stalled = Campaign.objects.filter(
        state=Campaign.State.SENDING, sent_at__lt=timezone.now() - outbox.STALE_CLAIM
    )
    for campaign_id in stalled.values_list("pk", flat=True):
        campaign_fanout_enqueue(campaign_id)


@shared_task
def updates_announce() -> int:
    """Every minute (Celery beat): newly public updates go to their subscribers."""
    from .services.subscriptions import updates_announce_due

    return updates_announce_due()


@shared_task
def quiet_reminders() -> int:
    """Every 15 minutes (Celery beat): remind the comms team of incidents gone quiet."""
    from .services.reminders import quiet_reminders_send

    return quiet_reminders_send()


@shared_task(acks_late=True)
def deliveries_send() -> int:
    """POST one batch of chat and webhook deliveries; queue another while more is due."""
    from .services.deliveries import deliveries_send_due

    batch = 20
    taken = deliveries_send_due(limit=batch)
    if taken == batch:
        deliveries_kick()
    return taken


@shared_task
def deadline_alerts() -> int:
    """Every minute (Celery beat): alert the comms team at each stage of open deadlines."""
    from .services.deadlines import deadline_alerts_send

    return deadline_alerts_send()


def deliveries_kick() -> None:
    delay_or_defer(deliveries_send)


def notifications_kick() -> None:
    """Ask a worker to send. A broker outage delays mail (the sweep retries), never loses it."""
    delay_or_defer(notifications_send)


@shared_task(acks_late=True)
def campaign_fanout(campaign_id: int) -> int:
    """Write a campaign's emails into the outbox. Safe to run twice: nothing is sent twice."""
    from .models import Campaign
    from .services.campaigns import campaign_fanout as fanout

    campaign = Campaign.objects.select_related("incident").filter(pk=campaign_id).first()
    return fanout(campaign=campaign) if campaign else 0


def campaign_fanout_enqueue(campaign_id: int) -> None:
    """Queue a fan-out; if the broker is down, the sweep queues it later."""
    delay_or_defer(campaign_fanout, campaign_id)
