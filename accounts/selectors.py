"""Reads about the signed-in person."""

from allauth.account.models import EmailAddress

from incidents.selectors import PersonalIncident, exposure_report


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
