"""
Importing the list of affected people (CSV: email,categories,tier,remedy_code).

The file is streamed: memory stays flat however many millions of rows it has.
Each row is validated; a bad row goes to the error report with its line number
and reason while every good row is imported. Emails become keyed digests
before anything is stored. Importing the same file twice changes nothing; a
re-import with changed rows updates them.

On PostgreSQL good rows are COPYed into an unindexed temporary table, then
merged in one statement: new addresses inserted in digest order (index-friendly),
changed ones updated; on other databases they are merged in chunks with
bulk_create/bulk_update.
"""

import codecs
import csv
import datetime as dt
import io
import json
import logging
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import BinaryIO, NamedTuple

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import EmailValidator
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record

from ..digest import digester, email_normalise
from ..exports import csv_cell
from ..models import Exposure, ImportBatch, Incident, Tier

logger = logging.getLogger(__name__)

HEADER = ["email", "categories", "tier", "remedy_code"]
COPY_CHUNK_ROWS = 50_000
ORM_CHUNK_ROWS = 2_000
REMEDY_CODE_MAX = Exposure._meta.get_field("remedy_code").max_length

Progress = Callable[[int], None]


class GoodRow(NamedTuple):
    # Tuples, not dataclasses: a million of them are made per million rows.
    line: int
    digest: bytes
    category_ids: tuple[int, ...]
    tier: str
    remedy_code: str


class BadRow(NamedTuple):
    line: int
    reason: str
    row: list[str]


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    good: int = 0
    rejected: int = 0

    @property
    def unchanged(self) -> int:
        return self.good - self.created - self.updated


def _batched(rows: Iterable, size: int) -> Iterator[list]:
    # itertools.batched arrives in Python 3.12.
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def import_file_check(source: BinaryIO, *, max_bytes: int | None = None) -> int:
    """
    Refuse a file that cannot be imported at all; return its number of data rows.

    Reads the file once, streaming: it must be within `max_bytes`, be UTF-8
    (a byte-order mark is allowed) and start with the header
    `email,categories,tier,remedy_code`. Raises ValidationError with a message
    that says what to fix.
    """
    size = source.seek(0, io.SEEK_END)
    source.seek(0)
    if max_bytes is not None and size > max_bytes:
        raise ValidationError(
            _(
                "The file is %(size)s MB; the limit here is %(limit)s MB. "
                "Split it, or import it with the import_exposures command."
            )
            % {"size": size // 2**20, "limit": max_bytes // 2**20}
        )
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines = 0
    first = b""
    for lines, raw in enumerate(source, start=1):
        if lines == 1:
            first = raw
        try:
            decoder.decode(raw)
        except UnicodeDecodeError:
            source.seek(0)
            raise ValidationError(
                _(
                    "Line %(line)d is not UTF-8 text. "
                    "Save the file as “CSV UTF-8” and upload it again."
                )
                % {"line": lines}
            ) from None
    source.seek(0)
    header = next(_records(csv.reader([first.decode("utf-8-sig")])), [])
    header = header if isinstance(header, list) else []
    if [h.strip().lower() for h in header] != HEADER:
        raise ValidationError(
            _("The first line must be the header “%(expected)s”; it is “%(found)s”.")
            % {"expected": ",".join(HEADER), "found": ",".join(header)[:200]}
        )
    return max(0, lines - 1)


def import_batch_create(
    *, incident: Incident, upload, created_by=None, total_rows: int = 0
) -> ImportBatch:
    """
    Store an uploaded, already checked file and queue its import once this commits;
    the upload is in the audit trail with who sent it and its number of rows.
    """
    from ..tasks import import_batch_enqueue

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
    transaction.on_commit(lambda: import_batch_enqueue(batch.pk))
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
    report_writer.writerow(["line", "reason", *HEADER])

    def report_progress(done: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(rows_done=done, updated_at=timezone.now())
        if progress:
            progress(done)

    def good_rows() -> Iterator[GoodRow]:
        for parsed in _parse(source, categories):
            if isinstance(parsed, BadRow):
                counts.rejected += 1
                # Staff open the report in a spreadsheet: a cell must not run as a formula.
                report_writer.writerow([parsed.line, parsed.reason, *map(csv_cell, parsed.row)])
            else:
                counts.good += 1
                yield parsed

    merge = _merge_copy if method == "copy" else _merge_orm
    counts.created, counts.updated = merge(
        batch.incident_id, good_rows(), lambda: report_progress(counts.good + counts.rejected)
    )
    report_progress(counts.good + counts.rejected)
    return counts


# The common case of Django's EmailValidator (dot-atom local part, ASCII domain), in one
# compiled expression: a tenth of the validator's cost. Anything it does not accept (an
# internationalised domain, a quoted local part) goes to the validator itself.
_LOCAL = r"[-!#$%&'*+/=?^_`{}|~0-9a-z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9a-z]+)*"
# The last label is letters, as in Django's validator; "xn--" ones take the slow path.
_DOMAIN = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z-]{2,63}(?<!-)"
_PLAIN_EMAIL = re.compile(rf"{_LOCAL}@{_DOMAIN}")


def _email_is_valid(email: str, validate_email) -> bool:
    if len(email) <= 320 and _PLAIN_EMAIL.fullmatch(email):
        return True
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def _parse(source: BinaryIO, categories: dict[str, int]) -> Iterator[GoodRow | BadRow]:
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    next(reader, None)  # the header, checked by import_file_check
    validate_email = EmailValidator()
    digest = digester()
    tiers = set(Tier.values)
    # A file has few distinct category lists; each is parsed once.
    category_lists: dict[str, tuple[int, ...] | str] = {}
    try:
        for row in _records(reader):
            line = reader.line_num
            if isinstance(row, csv.Error):
                yield BadRow(line, _("unreadable row: %s") % row, [])
                continue
            if not row or row == [""]:
                continue
            if len(row) != len(HEADER):
                yield BadRow(line, _("wrong column count: expected 4, found %d") % len(row), row)
                continue
            email = email_normalise(row[0])
            if not _email_is_valid(email, validate_email):
                yield BadRow(line, _("bad email address"), row)
                continue
            ids = category_lists.get(row[1])
            if ids is None:
                ids = category_lists[row[1]] = _category_ids(row[1], categories)
            if isinstance(ids, str):
                yield BadRow(line, ids, row)
                continue
            tier = row[2].strip().lower() or Tier.STANDARD
            if tier not in tiers:
                yield BadRow(line, _("unknown tier: %s") % tier, row)
                continue
            remedy_code = row[3].strip()
            if len(remedy_code) > REMEDY_CODE_MAX:
                reason = _("remedy code longer than %d characters") % REMEDY_CODE_MAX
                yield BadRow(line, reason, row)
                continue
            yield GoodRow(line, digest(email), ids, tier, remedy_code)
    finally:
        text.detach()


def _records(reader) -> Iterator[list[str] | csv.Error]:
    """
    The reader's rows. A record it cannot read (a cell over the csv module's limit of
    128 KiB) comes as its error instead of ending the file: reading goes on after it.
    """
    while True:
        try:
            yield from reader
            return
        except csv.Error as error:
            yield error


def _category_ids(field: str, categories: dict[str, int]) -> tuple[int, ...] | str:
    """The sorted ids of a `;`-separated list of slugs, or the reason it is refused."""
    slugs = [s.strip() for s in field.split(";") if s.strip()]
    if not slugs:
        return _("no data category")
    unknown = [s for s in slugs if s not in categories]
    if unknown:
        return _("unknown category: %s") % ", ".join(unknown)
    return tuple(sorted({categories[s] for s in slugs}))


def emails_in(source: BinaryIO) -> Iterator[str]:
    """The normalised addresses of an imported file's rows, streamed (for campaigns)."""
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    try:
        reader = csv.reader(text)
        next(reader, None)
        for row in _records(reader):
            if isinstance(row, list) and len(row) == len(HEADER) and "@" in row[0]:
                yield email_normalise(row[0])
    finally:
        text.detach()


def _merge_copy(incident_id: int, rows: Iterable[GoodRow], tick) -> tuple[int, int]:
    table = Exposure._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS exposure_staging "
            "(line integer, email_digest bytea, category_ids jsonb, tier text, remedy_code text)"
        )
        cursor.execute("TRUNCATE exposure_staging")
        json_ids: dict[tuple[int, ...], str] = {}
        for chunk in _batched(rows, COPY_CHUNK_ROWS):
            with cursor.copy("COPY exposure_staging FROM STDIN") as copy:
                for r in chunk:
                    ids = json_ids.get(r.category_ids)
                    if ids is None:
                        ids = json_ids[r.category_ids] = json.dumps(r.category_ids)
                    copy.write_row((r.line, r.digest, ids, r.tier, r.remedy_code))
            tick()
        with transaction.atomic():
            # One import of an incident merges at a time (the others wait here), so the
            # insert below cannot race another import's insert of the same address; and
            # the incident cannot be deleted meanwhile (exposures have no database FK).
            cursor.execute(
                f"SELECT id FROM {Incident._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
                [incident_id],
            )
            # The last row for an address wins. New addresses are inserted in digest order
            # (the unique index's inserts stay local); known ones are updated only if they
            # changed. Both parts see the table as it was before the statement. A plain
            # insert with an anti-join costs ~40% less than INSERT ... ON CONFLICT here.
            cursor.execute(
                f"""
                WITH latest AS (
                    SELECT DISTINCT ON (email_digest)
                        email_digest, category_ids, tier, remedy_code
                    FROM exposure_staging
                    ORDER BY email_digest, line DESC
                ),
                inserted AS (
                    INSERT INTO {table}
                        (incident_id, email_digest, category_ids, tier, remedy_code,
                         created_at, updated_at)
                    SELECT %(incident)s, l.email_digest, l.category_ids, l.tier, l.remedy_code,
                           now(), now()
                    FROM latest l
                    WHERE NOT EXISTS (
                        SELECT 1 FROM {table} e
                        WHERE e.incident_id = %(incident)s AND e.email_digest = l.email_digest
                    )
                    RETURNING 1
                ),
                updated AS (
                    UPDATE {table} e
                    SET category_ids = l.category_ids, tier = l.tier,
                        remedy_code = l.remedy_code, updated_at = now()
                    FROM latest l
                    WHERE e.incident_id = %(incident)s AND e.email_digest = l.email_digest
                      AND (e.category_ids, e.tier, e.remedy_code)
                          IS DISTINCT FROM (l.category_ids, l.tier, l.remedy_code)
                    RETURNING 1
                )
                SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM updated)
                """,  # noqa: S608 - the table name is ours, values are parameters
                {"incident": incident_id},
            )
            created, updated = cursor.fetchone()
        cursor.execute("DROP TABLE exposure_staging")
    return created, updated


def _merge_orm(incident_id: int, rows: Iterable[GoodRow], tick) -> tuple[int, int]:
    created = updated = 0
    for chunk in _batched(rows, ORM_CHUNK_ROWS):
        latest = {r.digest: r for r in chunk}  # the last row for an address wins
        with transaction.atomic():
            existing = {
                bytes(e.email_digest): e
                for e in Exposure.objects.filter(
                    incident_id=incident_id, email_digest__in=list(latest)
                )
            }
            new, changed = [], []
            for digest, r in latest.items():
                exposure = existing.get(digest)
                if exposure is None:
                    new.append(
                        Exposure(
                            incident_id=incident_id,
                            email_digest=digest,
                            category_ids=list(r.category_ids),
                            tier=r.tier,
                            remedy_code=r.remedy_code,
                        )
                    )
                elif (exposure.category_ids, exposure.tier, exposure.remedy_code) != (
                    list(r.category_ids), r.tier, r.remedy_code,
                ):  # fmt: skip
                    exposure.category_ids = list(r.category_ids)
                    exposure.tier = r.tier
                    exposure.remedy_code = r.remedy_code
                    exposure.updated_at = timezone.now()
                    changed.append(exposure)
            Exposure.objects.bulk_create(new)
            Exposure.objects.bulk_update(
                changed, ["category_ids", "tier", "remedy_code", "updated_at"]
            )
        created += len(new)
        updated += len(changed)
        tick()
    return created, updated
