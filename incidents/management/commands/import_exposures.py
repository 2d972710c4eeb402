import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_record, cli_origin
from incidents.audit_actions import Action
from incidents.models import ImportBatch, Incident
from incidents.services import imports


class Command(BaseCommand):
    help = (
        "Import a CSV of affected people (email,categories,tier,remedy_code) into an incident. "
        "Same rules as the admin upload, without its size limit."
    )

    def add_arguments(self, parser):
        parser.add_argument("incident_slug")
        parser.add_argument("csv_file", type=Path)
        parser.add_argument(
            "--method", choices=["copy", "orm"], help="default: copy on PostgreSQL, else orm"
        )

    def handle(self, *args, incident_slug, csv_file, method, **options):
        incident = Incident.objects.filter(slug=incident_slug).first()
        if incident is None:
            raise CommandError(f"No incident with the slug {incident_slug!r}.")
        if not csv_file.is_file():
            raise CommandError(f"No file at {csv_file}.")
        with csv_file.open("rb") as source:
            try:
                total = imports.import_file_check(source)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            batch = ImportBatch(
                incident=incident, original_name=csv_file.name[:255], total_rows=total
            )
            # Kept, like an upload: campaigns to the affected read their addresses from it.
            batch.file.save(csv_file.name, File(source), save=True)
            origin = cli_origin("import_exposures")
            audit_record(
                actor=None, action=Action.IMPORT_STARTED, target=batch, origin=origin, rows=total
            )
            source.seek(0)
            started = time.monotonic()
            imports.import_batch_run(
                batch=batch,
                source=source,
                method=method,
                progress=self._bar(total, started),
                origin=origin,
            )
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"{batch.rows_done:,} rows in {time.monotonic() - started:.1f} s: "
                f"{batch.created_count:,} new, {batch.updated_count:,} updated, "
                f"{batch.unchanged_count:,} unchanged, {batch.rejected_count:,} rejected."
            )
        )
        if batch.rejected_count:
            report = batch.error_report.path
            self.stdout.write(f"Rejected rows with line numbers and reasons: {report}")

    def _bar(self, total, started):
        def show(done):
            share = done / total if total else 1
            filled = int(30 * share)
            rate = done / max(time.monotonic() - started, 1e-6)
            self.stdout.write(
                f"\r[{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,} rows ({rate:,.0f}/s)",
                ending="",
            )
            self.stdout.flush()

        return show
