"""The affected list as CSV, for suppression in marketing tools (pause marketing)."""

import csv
import logging
from collections.abc import Iterator

from audit.services import audit_details_add, audit_record

from .audit_actions import Action
from .models import Incident
from .selectors import affected_addresses

logger = logging.getLogger(__name__)

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """Neutralise a cell a spreadsheet would otherwise run as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


class _Echo:
    def write(self, value):
        return value


def affected_csv_rows(*, incident: Incident, actor=None, origin: str = "") -> Iterator[str]:
    """
    Stream the CSV lines. The export is in the audit trail (who, or for a command
    `origin`, and how many; never the addresses) from the moment it is asked for,
    so an export cut short is recorded too, with the count written so far.
    """
    event = audit_record(
        actor=actor, action=Action.EXPORT_AFFECTED, target=incident, origin=origin,
        count=None, complete=False,
    )  # fmt: skip
    return _rows(incident, event)


def _rows(incident: Incident, event) -> Iterator[str]:
    writer = csv.writer(_Echo())
    count = 0
    try:
        yield writer.writerow(["email", "tier"])
        for email, exposure in affected_addresses(incident=incident):
            count += 1
            yield writer.writerow([csv_cell(email), exposure.tier])
        audit_details_add(event=event, count=count, complete=True)
    finally:
        if not event.details["complete"]:
            audit_details_add(event=event, count=count)
    logger.info(
        "Exported %d affected addresses of %s for %s", count, incident.slug, event.actor_label
    )
