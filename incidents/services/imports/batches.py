"""
An import batch's life: stored and queued on upload, run (rows parsed, then merged
by COPY or the ORM, bad ones reported), restarted when its task was lost.
"""

import csv
import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.core.files import File
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.tasks import enqueue_on_commit

from ...audit_actions import Action
from ...exports import csv_cell
from ...models import ImportBatch, Incident
from .orm import merge_orm
from .postgres import merge_copy
from .rows import HEADER, PLACE_COLUMNS, BadRow, GoodRow, parse_rows

# The package's name, as the log lines had before it was split.
logger = logging.getLogger(__package__)

Progress = Callable[[int], None]


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    good: int = 0
    rejected: int = 0

    @property
    def unchanged(self) -> int:
        return self.good - self.created - self.updated


def import_batch_create(
    *, incident: Incident, upload, created_by=None, total_rows: int = 0
) -> ImportBatch:
    """
    Store an uploaded, already checked file and queue its import once this commits;
    the upload is in the audit trail with who sent it and its number of rows.
    """
    batch = ImportBatch(
        incident=incident,
        original_name=upload.name[:255],
        created_by=created_by,
        total_rows=total_rows,
    )
    batch.file.save(upload.name, upload, save=False)
    batch.full_clean()
    batch.save()
    audit_record(actor=created_by, action=Action.IMPORT_STARTED, target=batch, rows=total_rows)
    enqueue_on_commit("incidents.tasks.import_batch_run", batch.pk)
    return batch


def import_batch_run(
    *,
    batch: ImportBatch,
    source: BinaryIO | None = None,
    method: str | None = None,
    progress: Progress | None = None,
    origin: str = "",
) -> ImportBatch:
    """
    Import a batch's rows; safe to run again (an interrupted run is simply redone).

    `method` is "copy" (PostgreSQL only) or "orm"; by default COPY where the
    database is PostgreSQL. `progress` is called with the rows done so far.
    The outcome is in the audit trail, in the name of whoever uploaded the file
    (or `origin`), with the counts or the reason it failed.
    """
    if batch.state == ImportBatch.State.DONE:
        return batch
    method = method or ("copy" if connection.vendor == "postgresql" else "orm")
    _set_state(batch, ImportBatch.State.RUNNING, started_at=timezone.now(), rows_done=0)
    opened = source is None
    source = batch.file.open("rb") if opened else source
    try:
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as report:
            counts = _import(batch, source, method, progress, report)
            if counts.rejected:
                report.seek(0)
                batch.error_report.save(f"errors-{batch.pk}.csv", File(report), save=False)
    except Exception as error:
        logger.exception("Import %s failed", batch.pk)
        _set_state(
            batch,
            ImportBatch.State.FAILED,
            failure=_("The import stopped: %(error)s. Nothing is lost: run it again.")
            % {"error": type(error).__name__},
            finished_at=timezone.now(),
        )
        audit_record(
            actor=batch.created_by, action=Action.IMPORT_FAILED, target=batch, origin=origin,
            error=type(error).__name__,
        )  # fmt: skip
        raise
    finally:
        if opened:
            source.close()
    _set_state(
        batch,
        ImportBatch.State.DONE,
        rows_done=counts.good + counts.rejected,
        created_count=counts.created,
        updated_count=counts.updated,
        unchanged_count=counts.unchanged,
        rejected_count=counts.rejected,
        error_report=batch.error_report.name or "",
        finished_at=timezone.now(),
    )
    audit_record(
        actor=batch.created_by, action=Action.IMPORT_FINISHED, target=batch, origin=origin,
        created=counts.created, updated=counts.updated, unchanged=counts.unchanged,
        rejected=counts.rejected,
    )  # fmt: skip
    logger.info(
        "Import %s done: %s new, %s updated, %s unchanged, %s rejected",
        batch.pk, counts.created, counts.updated, counts.unchanged, counts.rejected,
    )  # fmt: skip
    return batch


def import_batches_stalled(*, now: dt.datetime | None = None):
    """Batches whose task never ran (broker down at upload) or whose worker died."""
    now = now or timezone.now()
    return ImportBatch.objects.filter(
        state__in=[ImportBatch.State.PENDING, ImportBatch.State.RUNNING],
        updated_at__lt=now - dt.timedelta(minutes=2),
    )


def _set_state(batch: ImportBatch, state: str, **fields) -> None:
    fields |= {"state": state, "updated_at": timezone.now()}
    for name, value in fields.items():
        setattr(batch, name, value)
    ImportBatch.objects.filter(pk=batch.pk).update(**fields)


def _import(batch, source, method, progress, report) -> Counts:
    categories = dict(batch.incident.data_categories.values_list("slug", "id"))
    counts = Counts()
    report_writer = csv.writer(report)
    report_writer.writerow(["line", "reason", *HEADER, *PLACE_COLUMNS])

    def report_progress(done: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(rows_done=done, updated_at=timezone.now())
        if progress:
            progress(done)

    def good_rows() -> Iterator[GoodRow]:
        for parsed in parse_rows(source, categories):
            if isinstance(parsed, BadRow):
                counts.rejected += 1
                # Staff open the report in a spreadsheet: a cell must not run as a formula.
                report_writer.writerow([parsed.line, parsed.reason, *map(csv_cell, parsed.row)])
            else:
                counts.good += 1
                yield parsed

    merge = merge_copy if method == "copy" else merge_orm
    counts.created, counts.updated = merge(
        batch.incident_id, good_rows(), lambda: report_progress(counts.good + counts.rejected)
    )
    report_progress(counts.good + counts.rejected)
    return counts
