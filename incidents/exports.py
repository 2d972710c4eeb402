"""The affected list as CSV, for suppression in marketing tools (pause marketing)."""

import csv
import logging
from collections.abc import Iterator

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


def affected_csv_rows(*, incident: Incident, actor: str) -> Iterator[str]:
    """Stream the CSV lines; the export is logged with who asked and how many (no addresses)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(["email", "tier"])
    count = 0
    for email, exposure in affected_addresses(incident=incident):
        count += 1
        yield writer.writerow([csv_cell(email), exposure.tier])
    logger.info("Exported %d affected addresses of %s for %s", count, incident.slug, actor)
