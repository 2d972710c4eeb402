from celery import shared_task

from core.tasks import delay_or_defer

from .models import ImportBatch
from .services import imports


@shared_task(acks_late=True)
def import_batch_run(batch_id: int) -> None:
    """Import one uploaded list of affected people. Safe to run twice."""
    batch = ImportBatch.objects.select_related("incident").filter(pk=batch_id).first()
    if batch is not None:
        imports.import_batch_run(batch=batch)


@shared_task
def import_batches_sweep() -> None:
    """Queue again the imports whose task was lost; run every minute by Celery beat."""
    for batch_id in imports.import_batches_stalled().values_list("pk", flat=True):
        import_batch_enqueue(batch_id)


def import_batch_enqueue(batch_id: int) -> None:
    """Queue an import; if the broker is down, the sweep queues it later."""
    delay_or_defer(import_batch_run, batch_id)
