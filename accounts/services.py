"""Writes about a person's account: the forced new password after a breach."""

from django.db import transaction
from django.utils import timezone

from incidents.selectors import password_reset_required_since

from .selectors import user_verified_emails


def password_requirement_refresh(*, user) -> bool:
    """
    At sign-in: require a new password if a breach exposed this person's
    password and they have not changed it since that breach was confirmed.
    Returns whether a new password is required.
    """
    since = password_reset_required_since(emails=user_verified_emails(user=user))
    stale = since is not None and (
        user.password_changed_at is None or user.password_changed_at < since
    )
    if stale and not user.must_change_password:
        user.must_change_password = True
        user.save(update_fields=["must_change_password"])
    return user.must_change_password


@transaction.atomic
def password_changed(*, user, request=None) -> None:
    """
    Record a new password: the requirement is met. Django's session hash has
    already ended every other session; their records are removed too, so the
    person's list of sessions is true.
    """
    user.password_changed_at = timezone.now()
    user.must_change_password = False
    user.save(update_fields=["password_changed_at", "must_change_password"])
    if request is not None:
        _end_other_sessions(user=user, request=request)


def users_force_password_change(*, users) -> int:
    """Staff ask these people for a new password at their next request."""
    return users.update(must_change_password=True)


def _end_other_sessions(*, user, request) -> None:
    from allauth.usersessions.adapter import get_adapter
    from allauth.usersessions.models import UserSession

    current = request.session.session_key
    others = [s for s in UserSession.objects.filter(user=user) if s.session_key != current]
    if others:
        get_adapter().end_sessions(others)


def sessions_end_others(*, user, request) -> None:
    """Sign out every session of this person but the current one."""
    _end_other_sessions(user=user, request=request)


def phishing_guide_read(*, user) -> None:
    if user.phishing_guide_read_at is None:
        user.phishing_guide_read_at = timezone.now()
        user.save(update_fields=["phishing_guide_read_at"])


def remedy_code_revealed(*, user) -> None:
    if user.remedy_code_revealed_at is None:
        user.remedy_code_revealed_at = timezone.now()
        user.save(update_fields=["remedy_code_revealed_at"])
