"""
The recovery funnel of one incident: of the people affected, per tier, how
many were notified, came to the site, changed their password, turned on 2FA,
asked a question and had it resolved. It reads every app, so it lives here.
"""

from collections import defaultdict
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db.models import Count, Min

from incidents.digest import email_digest
from incidents.models import Exposure, Incident, Tier
from notifications.models import Notification
from support.models import Ticket, TicketStatus

STEPS = [
    ("affected", "Affected"),
    ("notified", "Notified (email sent)"),
    ("signed_in", "Signed in since notified"),
    ("changed_password", "Changed password"),
    ("two_factor", "Turned on 2FA"),
    ("asked", "Asked a question"),
    ("resolved", "Question resolved"),
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
    campaigns = Notification.objects.filter(
        kind="campaign", status=Notification.Status.SENT, group__in=_campaign_groups(incident)
    )
    for row in campaigns.values("segment").annotate(n=Count("to_email", distinct=True)):
        if row["segment"] in counts:
            counts[row["segment"]]["notified"] = row["n"]
    notified_at = dict(
        campaigns.values("to_email")
        .annotate(first=Min("sent_at"))
        .values_list("to_email", "first")
    )
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


def _campaign_groups(incident: Incident) -> list[str]:
    from notifications.models import Campaign

    ids = Campaign.objects.filter(incident=incident).values_list("pk", flat=True)
    return [f"campaign:{pk}" for pk in ids]


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
