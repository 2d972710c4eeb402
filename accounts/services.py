"""Writes about a person's account: the forced new password after a breach."""

from allauth.account.internal.flows.reauthentication import reauthenticate_by_password
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from incidents.selectors import password_reset_required_since

from .audit_actions import Action
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

    Typing the new password in this session counts as typing it again (allauth's
    reauthentication), for as long as that would: asking for it a minute later, before
    the authenticator app, would prove nothing more, as whoever chose it knows it. On
    the day of a breach that is one step and one password hash fewer for each person
    who replaces the exposed password and then turns on two-factor authentication.
    """
    user.password_changed_at = timezone.now()
    user.must_change_password = False
    user.save(update_fields=["password_changed_at", "must_change_password"])
    if request is not None:
        _end_other_sessions(user=user, request=request)
        if request.user.is_authenticated and request.user.pk == user.pk:
            reauthenticate_by_password(request)


@transaction.atomic
def users_force_password_change(*, users, actor=None) -> int:
    """
    Staff ask these people for a new password at their next request; each one
    asked is in the audit trail (the account, never a password or a token).
    """
    people = list(users.select_related(None).only("pk", "email"))
    for person in people:
        audit_record(actor=actor, action=Action.PASSWORD_RESET_FORCED, target=person)
    return users.update(must_change_password=True)


def password_set_by_staff(*, user, actor) -> None:
    """
    Record that `actor` set this person's password in the admin, or turned off
    signing in with one. The account is named; the password never is, nor its hash.
    A password set by someone else must be replaced by its owner at the next sign-in.
    """
    action = Action.PASSWORD_SET if user.has_usable_password() else Action.PASSWORD_DISABLED
    audit_record(actor=actor, action=action, target=user)
    if action == Action.PASSWORD_SET and actor != user:
        # Someone else now knows it: the person chooses their own at their next sign-in.
        user.must_change_password = True
        user.save(update_fields=["must_change_password"])


# What someone without any admin access has; a new account is compared with this.
NO_ACCESS = {"staff": False, "superuser": False, "active": True, "groups": [], "permissions": []}


def user_access(*, user) -> dict:
    """What this person may do, as the audit trail compares it before and after a change."""
    if user.pk is None:
        return NO_ACCESS
    return {
        "staff": user.is_staff,
        "superuser": user.is_superuser,
        "active": user.is_active,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(user.user_permissions.values_list("codename", flat=True)),
    }


def user_access_audit(*, user, before: dict, actor) -> None:
    """Record in the audit trail what changed in this person's access since `before`."""
    after = user_access(user=user)
    changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if changed:
        audit_record(actor=actor, action=Action.ACCESS_CHANGED, target=user, **changed)


MFA_ACTIONS = {
    "added": Action.MFA_ADDED,
    "removed": Action.MFA_REMOVED,
    "reset": Action.RECOVERY_CODES_RESET,
}


def staff_mfa_changed(*, user, change: str, kind: str) -> None:
    """
    A staff member added, removed or regenerated a second factor: recorded in the
    audit trail (which kind, never its secret or codes). Customers' are not.
    """
    if user.is_staff:
        audit_record(actor=user, action=MFA_ACTIONS[change], target=user, kind=kind)


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


def remedy_enrolled(*, user) -> None:
    """The person tells us she enrolled with her remedy code at the provider's site."""
    if user.remedy_enrolled_at is None:
        user.remedy_enrolled_at = timezone.now()
        user.save(update_fields=["remedy_enrolled_at"])


def user_language_set(*, user, language: str) -> None:
    """Remember the language a person reads, for emails sent outside a request (answers)."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


# --- Accounts started by someone else ---------------------------------------------------
# Someone may sign up with another person's address and a password of their own, and wait
# for the owner to prove the address ("pre-hijacked accounts"). What was set up before
# that proof survives it only if the same browser session set it up.

SET_UP_HERE_SESSION_KEY = "accounts_password_known_to"


def account_password_known_here(*, request, user) -> None:
    """
    Remember, in this browser's session (kept on the server, out of the visitor's reach),
    that whoever uses it chose or typed this account's password: proving the address from
    here later keeps the password.
    """
    request.session[SET_UP_HERE_SESSION_KEY] = str(user.pk)


def _password_known_here(*, request, user) -> bool:
    return request is not None and request.session.get(SET_UP_HERE_SESSION_KEY) == str(user.pk)


def address_proven(*, request, email_address) -> bool:
    """
    An address was just proven (verified). If it is the account's first and the proof came
    from a session that never knew the password, whatever was set up before is discarded
    (see account_unproven_setup_discard). Returns whether anything was discarded.
    """
    from allauth.account.models import EmailAddress

    user = email_address.user
    proven_before = (
        EmailAddress.objects.filter(user=user, verified=True).exclude(pk=email_address.pk).exists()
    )
    if proven_before or _password_known_here(request=request, user=user):
        return False
    return account_unproven_setup_discard(user=user, request=request, email=email_address.email)


def address_proven_by_reset(*, request, user) -> bool:
    """
    Its owner chose a new password with a reset link sent to the account's only address:
    that proves the address, as an emailed code does. On the account's first proof, what
    was set up before (but this new password) is discarded and the address is marked
    verified, so the owner signs in with the new password. Returns whether anything was
    discarded.
    """
    from allauth.account.adapter import get_adapter
    from allauth.account.models import EmailAddress

    addresses = list(EmailAddress.objects.filter(user=user))
    if len(addresses) != 1 or addresses[0].verified:
        return False
    discarded = False
    if not _password_known_here(request=request, user=user):
        discarded = account_unproven_setup_discard(
            user=user, request=request, email=addresses[0].email, password_replaced=True
        )
    # The password is the owner's own now: the proof below must keep it.
    account_password_known_here(request=request, user=user)
    get_adapter(request).confirm_email(request, addresses[0])
    return discarded


@transaction.atomic
def account_unproven_setup_discard(
    *, user, request, email: str, password_replaced: bool = False
) -> bool:
    """
    Discard what anyone could set up before the account's address was proven: the
    password (unless `password_replaced`: its owner has just replaced it), every second
    factor (authenticator app, recovery codes, passkeys) and every session but this one.
    The owner is told by email when anything was discarded (no code, no password in it).
    Returns whether anything was.
    """
    from allauth.account.adapter import get_adapter
    from allauth.mfa.models import Authenticator

    discarded = password_replaced
    if user.has_usable_password() and not password_replaced:
        # Changes the session hash too: any browser signed in with it is signed out.
        user.set_unusable_password()
        user.save(update_fields=["password"])
        discarded = True
    removed, _ = Authenticator.objects.filter(user=user).delete()
    ended = _sessions_end_all_but_this(user=user, request=request)
    if discarded or removed or ended:
        # No link in it, as in every email of ours: people are told to type our address.
        context = {"password_replaced": password_replaced}
        get_adapter(request).send_mail("account/email/unproven_setup_removed", email, context)
        return True
    return False


def _sessions_end_all_but_this(*, user, request) -> int:
    from allauth.usersessions.adapter import get_adapter
    from allauth.usersessions.models import UserSession

    current = request.session.session_key if request is not None else None
    others = [s for s in UserSession.objects.filter(user=user) if s.session_key != current]
    if others:
        get_adapter().end_sessions(others)
    return len(others)
