"""Writing the audit trail. Every app may call this; it imports no other app of ours."""

import getpass
import socket

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import translation
from simple_history.models import HistoricalRecords

from .actions import action_validate
from .models import AuditEvent

# Filled in when no person acted (a background task, the demo seeding).
SYSTEM = "system"


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    target_label: str = "",
    origin: str = "",
    **details,
) -> AuditEvent:
    """
    Record that `actor` (a user, or None with `origin` saying what acted) did
    `action` to `target` (named `target_label`, by default its str()), from the
    address of the request being served if any.
    Written in the caller's transaction: an action rolled back leaves no record.
    `details` are counts and reasons, never secrets or email addresses. An action that
    no app registered (audit/actions.py) is refused with a ValidationError.
    """
    action_validate(action)
    if target is not None and not target_label:
        # In the site's language whoever acted, so the trail reads and searches the same
        # (a translated record's str() is in the active language).
        with translation.override(settings.LANGUAGE_CODE):
            target_label = str(target)
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=(actor.get_username() if actor else origin or SYSTEM)[:255],
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_label=target_label[:255],
        details=details,
        ip=_client_ip(),
    )


def _client_ip() -> str | None:
    # The request being served, which simple_history's middleware keeps for its own
    # records; allauth's adapter reads the address as the rate limits do (trusted proxies).
    request = getattr(HistoricalRecords.context, "request", None)
    if request is None:
        return None
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return None


def audit_details_add(*, event: AuditEvent, **details) -> None:
    """Complete an event whose outcome came later (an export's count once it is written)."""
    event.details |= details
    AuditEvent.objects.filter(pk=event.pk).update(details=event.details)


def cli_origin(command: str) -> str:
    """Who ran a management command, as far as the machine knows: there is no signed-in user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{command} command (OS user {user} on {socket.gethostname()})"
