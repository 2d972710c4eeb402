import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.services import cli_origin
from incidents.exports import affected_csv_rows
from incidents.models import Incident


class Command(BaseCommand):
    help = (
        "Write an incident's affected addresses as CSV, for suppression in marketing tools. "
        "Cells are neutralised against formula injection. The export is in the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument("incident_slug")
        parser.add_argument("--output", type=Path, help="a file to write (default: stdout)")

    def handle(self, *args, incident_slug, output, **options):
        incident = Incident.objects.filter(slug=incident_slug).first()
        if incident is None:
            raise CommandError(f"No incident with the slug {incident_slug!r}.")
        rows = affected_csv_rows(incident=incident, origin=cli_origin("export_affected"))
        if output is None:
            sys.stdout.writelines(rows)
            return
        # A list of affected people's addresses: readable by its owner and group only,
        # whatever the umask (as the uploaded lists are).
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        os.fchmod(descriptor, 0o640)
        with open(descriptor, "w", encoding="utf-8", newline="") as out:
            out.writelines(rows)
        self.stderr.write(f"Written to {output}")
