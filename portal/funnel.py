"""
The recovery funnel of one incident: of the people affected, per tier, how
many were notified, came to the site, changed their password, turned on 2FA,
asked a question and had it resolved. It reads every app, so it lives here.
"""

from collections import defaultdict
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db.models import Count, Min, Q
from django.utils.translation import gettext_lazy as _

from incidents.digest import email_digest
from incidents.models import Exposure, Incident, Tier
from notifications.models import Notification
from support.models import Ticket, TicketStatus

# Each step says what it counts: "notified" is an email the outbox did send.
STEPS = [
    ("affected", _("Affected: on the imported list")),
    ("notified", _("Emailed about this incident: the outbox sent it")),
    ("signed_in", _("Signed in after that email")),
    ("changed_password", _("Set a new password since the breach was confirmed")),
    ("two_factor", _("Have two-factor authentication on")),
    ("asked", _("Asked a question")),
    ("resolved", _("Had a question resolved")),
]


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    count: int
    percent: int


def incident_funnel(*, incident: Incident) -> dict[str, list[Bar]]:
    """Counts per tier and step. Cost grows with the number of accounts, not of exposures."""
    counts: dict[str, dict[str, int]] = {tier: defaultdict(int) for tier in Tier.values}
    for row in Exposure.objects.filter(incident=incident).values("tier").annotate(n=Count("id")):
        counts[row["tier"]]["affected"] = row["n"]
    notified_at = {
        email.lower(): first
        for email, first in _sent_about(incident)
        .values("to_email")
        .annotate(first=Min("sent_at"))
        .values_list("to_email", "first")
    }
    for tier, n in _tiers_of(incident, notified_at).items():
        counts[tier]["notified"] = n
    since = incident.confirmed_at or incident.created_at
    for user, tier, email in _affected_accounts(incident):
        step = counts[tier]
        sent = notified_at.get(email)
        if sent and user.last_login and user.last_login >= sent:
            step["signed_in"] += 1
        if user.password_changed_at and user.password_changed_at >= since:
            step["changed_password"] += 1
        if user.has_second_factor:
            step["two_factor"] += 1
        if user.tickets_asked:
            step["asked"] += 1
        if user.tickets_resolved:
            step["resolved"] += 1
    return {tier: _bars(counts[tier]) for tier in Tier.values}


def _sent_about(incident: Incident):
    """Emails about this incident the outbox sent: its campaigns and its updates."""
    from notifications.models import Campaign

    groups = [
        f"campaign:{pk}"
        for pk in Campaign.objects.filter(incident=incident).values_list("pk", flat=True)
    ]
    about = Q(kind="campaign", group__in=groups)
    for update_id in incident.updates.values_list("pk", flat=True):
        about |= Q(kind="update", dedupe_key__startswith=f"update:{update_id}:")
    return Notification.objects.filter(about, status=Notification.Status.SENT)


def _tiers_of(incident: Incident, emails) -> dict[str, int]:
    """How many of these addresses are on the incident's list, per tier."""
    digests = [email_digest(email) for email in emails]
    tiers: dict[str, int] = defaultdict(int)
    for start in range(0, len(digests), 5000):
        rows = (
            Exposure.objects.filter(
                incident=incident, email_digest__in=digests[start : start + 5000]
            )
            .values("tier")
            .annotate(n=Count("id"))
        )
        for row in rows:
            tiers[row["tier"]] += row["n"]
    return tiers


def _affected_accounts(incident: Incident):
    """(user, tier, address) for each account whose verified address was affected."""
    addresses = EmailAddress.objects.filter(verified=True).select_related("user")
    by_digest = {email_digest(a.email): a for a in addresses.iterator()}
    exposures = Exposure.objects.filter(incident=incident, email_digest__in=list(by_digest))
    matched = [(by_digest[bytes(e.email_digest)], e.tier) for e in exposures]
    user_ids = {a.user_id for a, _ in matched}
    second_factor = set(
        Authenticator.objects.filter(
            user_id__in=user_ids,
            type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
        ).values_list("user_id", flat=True)
    )
    asked = set(
        Ticket.objects.filter(requester_id__in=user_ids).values_list("requester_id", flat=True)
    )
    resolved = set(
        Ticket.objects.filter(
            requester_id__in=user_ids, status__in=[TicketStatus.RESOLVED, TicketStatus.CLOSED]
        ).values_list("requester_id", flat=True)
    )
    seen = set()
    for address, tier in matched:
        user = address.user
        if user.pk in seen:
            continue
        seen.add(user.pk)
        user.has_second_factor = user.pk in second_factor
        user.tickets_asked = user.pk in asked
        user.tickets_resolved = user.pk in resolved
        yield user, tier, address.email.lower()


def _bars(step: dict[str, int]) -> list[Bar]:
    affected = step["affected"]
    return [
        Bar(key, label, step[key], round(100 * step[key] / affected) if affected else 0)
        for key, label in STEPS
    ]
