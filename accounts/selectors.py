"""Reads about the signed-in person."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from incidents.selectors import (
    PersonalIncident,
    exposure_report,
    incident_latest_confirmed_at,
    password_reset_required_since,
)

from .models import User


def user_verified_emails(*, user) -> list[str]:
    """Only addresses the person proved they own: an unverified one could be anyone's."""
    return list(
        EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    )


def user_exposure_report(*, user) -> tuple[list[str], list[PersonalIncident]]:
    """The person's verified addresses and, per published incident, whether they were affected.

    Three queries whatever the number of exposures or incidents.
    """
    emails = user_verified_emails(user=user)
    return emails, exposure_report(emails=emails) if emails else []


@dataclass(frozen=True)
class Step:
    """One step of the security checklist; its state comes from real data, never a tick box."""

    key: str
    title: str
    why: str
    done: bool
    required: bool = False
    action_label: str = ""
    action_url: str = ""
    # A step done on this page itself, by POST (and htmx where there is JavaScript).
    action_post: str = ""
    # With a POST step, a link to look first (where one is signed in, the code itself).
    look_label: str = ""
    # A step that cannot be taken yet: what must come first, shown instead of its action.
    waiting_for: str = ""


@dataclass(frozen=True)
class Checklist:
    steps: list[Step]

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def percent(self) -> int:
        return int(100 * self.done_count / len(self.steps)) if self.steps else 100

    @property
    def pending(self) -> set[str]:
        """The keys of the steps still to do."""
        return {step.key for step in self.steps if not step.done}


def security_checklist(
    *,
    user,
    session_key: str | None,
    exposures: tuple[list[str], list[PersonalIncident]] | None = None,
) -> Checklist:
    """
    The steps to a safe account that apply to this person, each with its real state.
    `exposures` is `user_exposure_report`'s answer when the caller already has it.
    """
    emails, report = exposures if exposures is not None else user_exposure_report(user=user)
    affected = [i for i in report if i.affected]
    reset_since = password_reset_required_since(emails=emails)
    changed_since = _password_changed_after_breach(
        user, reset_since or incident_latest_confirmed_at()
    )
    authenticators = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    two_factor_on = bool(authenticators & {Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN})
    other_sessions = [
        s for s in UserSession.objects.filter(user=user) if s.session_key != session_key
    ]
    steps = [
        Step(
            "verify-email",
            _("Confirm your email address"),
            _("So that only you can see whether you were affected, and we can reach you."),
            done=bool(emails),
            required=True,
            action_label=_("Confirm my address"),
            action_url=reverse("account_email"),
        ),
        Step(
            "new-password",
            _("Set a new password"),
            _("Your password was among the data involved: choose one you have never used.")
            if reset_since
            else _("Recommended for everyone after a breach, and one you use nowhere else."),
            done=changed_since,
            required=bool(reset_since),
            action_label=_("Set a new password"),
            action_url=reverse("account_change_password"),
        ),
        Step(
            "two-factor",
            _("Turn on two-factor authentication"),
            _("A code from your phone as well as your password: a stolen password is not enough."),
            done=two_factor_on,
            action_label=_("Turn it on"),
            action_url=reverse("mfa_activate_totp"),
        ),
        Step(
            "recovery-codes",
            _("Keep your recovery codes"),
            _("They let you in if you lose your phone. Save them somewhere safe."),
            done=Authenticator.Type.RECOVERY_CODES in authenticators,
            action_label=_("See my recovery codes"),
            action_url=reverse("mfa_view_recovery_codes"),
            # allauth makes them with the first authenticator; before that there are none.
            waiting_for=""
            if two_factor_on
            else _("They come with two-factor authentication: turn that on first."),
        ),
        Step(
            "sessions",
            _("Sign out everywhere else"),
            _("Check where you are signed in, and end every session that is not this one."),
            done=not other_sessions,
            action_label=_("Sign out all other sessions"),
            action_post="end-other-sessions",
            look_label=_("See where you are signed in"),
            action_url=reverse("usersessions_list"),
        ),
        Step(
            "phishing",
            _("Learn how to spot phishing"),
            _("Criminals copy breach emails. Know what ours look like and what we never ask."),
            done=user.phishing_guide_read_at is not None,
            action_label=_("Read the two-minute guide"),
            action_url=reverse("accounts:phishing-guide"),
        ),
    ]
    if any(i.exposure.remedy_code for i in affected):
        steps.append(
            Step(
                "remedy",
                _("Activate your free credit monitoring"),
                _(
                    "You told us you enrolled with your code. It stays on your "
                    "“Was I affected?” page."
                )
                if user.remedy_enrolled_at
                else _(
                    "Your personal enrollment code is waiting for you. Enroll on the "
                    "provider's site with it, then tell us here."
                ),
                done=user.remedy_enrolled_at is not None,
                action_label=_("I have enrolled"),
                action_post="remedy-enrolled",
                look_label=_("Show my code"),
                action_url=reverse("accounts:me") + "#remedy",
            )
        )
    return Checklist(steps=steps)


def _password_changed_after_breach(user, since) -> bool:
    """Done when the password was changed after the (latest relevant) breach was confirmed."""
    if user.must_change_password or user.password_changed_at is None:
        return False
    return since is None or user.password_changed_at >= since


def user_languages_for_emails(*, emails) -> dict[str, str]:
    """
    The language each address's account last read the site in, by lower-cased address
    (addresses without an account are left out): one query for a batch of senders.
    """
    addresses = {email.strip().lower() for email in emails if email}
    if not addresses:
        return {}
    # LOWER(email), as the unique index is written: found through it, never by a scan.
    users = User.objects.alias(address=Lower("email")).filter(address__in=addresses)
    return dict(users.values_list(Lower("email"), "language"))
