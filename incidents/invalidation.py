"""
What incidents knows about the public page cache (core.public_pages): anything public
that changes (an incident, an update, an FAQ, a data category) makes every kept page
stale, once the change is committed.
"""

from django.db import transaction

from core.public_pages import pages_version_bump


def public_pages_invalidate() -> None:
    """Make every cached public page stale once the current transaction commits."""
    transaction.on_commit(pages_version_bump)
