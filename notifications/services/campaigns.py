"""
Campaigns: one email per affected person (or subscriber), worded for their tier.

Exposures hold only digests of addresses; the addresses come from the
incident's imported files, streamed, and are matched to exposures by digest.
Every email's dedupe key is (campaign, address): sending a campaign again, or
a fan-out interrupted and rerun, sends nothing twice.
"""

import html
from collections.abc import Iterator
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import TextNode, VariableNode
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from modeltranslation.utils import build_localized_fieldname, get_translation_fields

from audit.services import audit_record
from core.tasks import enqueue_on_commit
from incidents.digest import email_digest
from incidents.localized import text_in
from incidents.models import DataCategory, Exposure, Tier
from incidents.selectors import affected_addresses

from ..audit_actions import Action
from ..models import Campaign, Notification, Subscription
from .outbox import notification_enqueue, notifications_enqueue_many

PLACEHOLDERS = ("incident", "categories", "advice", "remedy_code", "site_url")
# Templates get no tags, filters or loaders: only {{ placeholders }} in plain text.
ENGINE = Engine(builtins=[], libraries={}, autoescape=False, string_if_invalid="")
CHUNK = 1000


@dataclass(frozen=True)
class Recipient:
    email: str
    exposure: Exposure | None  # None for subscribers, who may not be affected
    # The language they read: their account's, or the one they subscribed in.
    language: str = settings.LANGUAGE_CODE


def campaign_template_check(text: str) -> Template:
    """Parse a subject or body; refuse syntax errors and unknown placeholders with the reason."""
    try:
        template = Template(text, engine=ENGINE)
    except TemplateSyntaxError as error:
        raise ValidationError(_("This text has a template error: %s") % error) from error
    for node in template.nodelist:
        if isinstance(node, TextNode):
            continue
        name = getattr(getattr(node, "filter_expression", None), "token", "")
        if not isinstance(node, VariableNode) or name not in PLACEHOLDERS:
            raise ValidationError(
                _("Unknown placeholder “%(name)s”. Use only: %(allowed)s.")
                % {
                    "name": name or node,
                    "allowed": ", ".join(f"{{{{ {p} }}}}" for p in PLACEHOLDERS),
                }
            )
    return template


def campaign_subject_check(text: str) -> Template:
    """
    A subject as campaign_template_check, without the remedy code: a subject shows on
    lock screens, in mail lists and in the outbox, where a secret body is hidden.
    """
    template = campaign_template_check(text)
    if "remedy_code" in _placeholders(template):
        raise ValidationError(
            _(
                "The remedy code cannot go in a subject, which many people can see. "
                "Put it in the text."
            )
        )
    return template


def campaign_check(*, campaign: Campaign) -> None:
    errors = {}
    for field in get_translation_fields("subject", "body", "subject_priority", "body_priority"):
        check = campaign_subject_check if field.startswith("subject") else campaign_template_check
        try:
            check(getattr(campaign, field) or "")
        except ValidationError as error:
            errors[field] = error.messages
    if errors:
        raise ValidationError(errors)


def recipients_count(*, campaign: Campaign) -> int:
    if campaign.audience == Campaign.Audience.SUBSCRIBERS:
        return _subscribers(campaign).count()
    return Exposure.objects.filter(incident=campaign.incident, tier__in=_tiers(campaign)).count()


def campaign_render(
    *, campaign: Campaign, recipient: Recipient, categories: dict | None = None
) -> tuple[str, str, str]:
    """Subject, plain text and HTML of one recipient's email."""
    categories = DataCategory.objects.in_bulk() if categories is None else categories
    exposure = recipient.exposure
    language = recipient.language
    subject, body = _words(campaign, exposure, language)
    categories = [
        categories[i] for i in (exposure.category_ids if exposure else []) if i in categories
    ]
    # In the recipient's language, the incident's words too (English where they are not
    # translated yet), whichever language the admin previewing it is in.
    names = [text_in(c, "name", language) for c in categories]
    advice = [text_in(c, "advice", language) for c in categories]
    context = Context(
        {
            "incident": text_in(campaign.incident, "title", language),
            "categories": ", ".join(names),
            "advice": "\n\n".join(f"{n}: {a}" for n, a in zip(names, advice, strict=True)),
            "remedy_code": exposure.remedy_code if exposure else "",
            "site_url": settings.SITE_URL,
        },
        autoescape=False,  # a plain-text email: "Tom & Jerry", not "Tom &amp; Jerry"
    )
    # Plain text, not HTML: Template.render marks its output safe, and the admin's
    # preview would then put what staff typed (or an incident title) in the page as markup.
    text = str.__str__(campaign_template_check(body).render(context))
    subject_text = " ".join(campaign_template_check(subject).render(context).split())
    # The HTML part is the same words, escaped: no links, nothing to click.
    paragraphs = "".join(
        f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n")
    )
    return subject_text, text, f"<!doctype html><html><body>{paragraphs}</body></html>"


def campaign_email_is_secret(*, campaign: Campaign, recipient: Recipient, text: str) -> bool:
    """
    Whether one recipient's email (its rendered `text`) holds their remedy code: their
    tier's words name {{ remedy_code }}, or spell the code out. Such an email is kept
    out of admin and erased once sent, like a sign-in code.
    """
    code = recipient.exposure.remedy_code if recipient.exposure else ""
    _subject, body = _words(campaign, recipient.exposure, recipient.language)
    return "remedy_code" in _placeholders(campaign_template_check(body)) or bool(
        code and code in text
    )


def _words(campaign: Campaign, exposure: Exposure | None, language: str) -> tuple[str, str]:
    """
    The subject and body templates for this person's tier, in their language: the
    priority tier's own words first (they carry the apology and the remedy), then the
    campaign's; each in the person's language, else in English.
    """
    priority = exposure is not None and exposure.tier == Tier.PRIORITY

    def pick(name: str) -> str:
        for field in ([f"{name}_priority"] if priority else []) + [name]:
            for code in (language, settings.LANGUAGE_CODE):
                if text := getattr(campaign, build_localized_fieldname(field, code), None):
                    return text
        return ""

    return pick("subject"), pick("body")


def _placeholders(template: Template) -> set[str]:
    return {
        node.filter_expression.token
        for node in template.nodelist
        if isinstance(node, VariableNode)
    }


def campaign_samples(*, campaign: Campaign) -> list[Recipient]:
    """
    One person of each tier in the audience, in each language the campaign is written in,
    to preview with (addresses are never shown). The first is in English.
    """
    languages = [
        code
        for code, _name in settings.LANGUAGES
        if code == settings.LANGUAGE_CODE
        or getattr(campaign, build_localized_fieldname("subject", code), None)
    ]
    if campaign.audience == Campaign.Audience.SUBSCRIBERS:
        return [Recipient("subscriber@example.com", None, code) for code in languages]
    samples = []
    for code in languages:
        for tier in _tiers(campaign):
            exposures = Exposure.objects.filter(incident=campaign.incident, tier=tier)
            exposure = exposures.order_by("pk").first()
            if exposure is not None:
                samples.append(Recipient(f"sample-{tier}@example.com", exposure, code))
    return samples or [Recipient("sample@example.com", None)]


@transaction.atomic
def campaign_send_test(*, campaign: Campaign, user) -> Notification:
    """
    Send the sample recipient's email to the staff member, marked as a test; in
    the audit trail with who asked for it and the sample's tier (the address it
    went to is theirs, named by the record's "who").
    """
    sample = campaign_samples(campaign=campaign)[0]
    subject, text, body_html = campaign_render(campaign=campaign, recipient=sample)
    audit_record(
        actor=user,
        action=Action.CAMPAIGN_TEST_SENT,
        target=campaign,
        tier=sample.exposure.tier if sample.exposure else None,
    )
    return notification_enqueue(
        dedupe_key=f"campaign-test:{campaign.pk}:{user.pk}:{timezone.now().timestamp()}",
        kind="campaign-test",
        to_email=user.email,
        subject=f"[TEST] {subject}",
        body_text=text,
        body_html=body_html,
        secret=campaign_email_is_secret(campaign=campaign, recipient=sample, text=text),
    )


@transaction.atomic
def campaign_send(*, campaign: Campaign, actor=None) -> Campaign:
    """
    Start the fan-out once this commits. Safe to call again: nobody gets it twice.
    Each send is in the audit trail with who sent it, to which audience and how
    many people it was addressed to.
    """
    campaign_check(campaign=campaign)
    audit_record(
        actor=actor,
        action=Action.CAMPAIGN_SENT,
        target=campaign,
        audience=campaign.audience,
        recipients=recipients_count(campaign=campaign),
    )
    campaign.state = Campaign.State.SENDING
    campaign.sent_at = campaign.sent_at or timezone.now()
    campaign.save(update_fields=["state", "sent_at"])
    enqueue_on_commit("notifications.tasks.campaign_fanout", campaign.pk)
    return campaign


def campaign_fanout(*, campaign: Campaign) -> int:
    """Write every recipient's email into the outbox, in chunks; returns how many are new."""
    queued, chunk = 0, []
    categories = DataCategory.objects.in_bulk()
    for recipient in _recipients(campaign):
        chunk.append(_notification(campaign, recipient, categories))
        if len(chunk) >= CHUNK:
            with transaction.atomic():
                queued += notifications_enqueue_many(chunk)
            chunk = []
    if chunk:
        with transaction.atomic():
            queued += notifications_enqueue_many(chunk)
    total = Notification.objects.filter(group=campaign.group).count()
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.SENT, recipients=total)
    return queued


def campaign_progress(*, campaign: Campaign) -> dict[str, int]:
    counts = dict(
        Notification.objects.filter(group=campaign.group)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in Notification.Status.values}


def _notification(campaign: Campaign, recipient: Recipient, categories: dict) -> Notification:
    subject, text, body_html = campaign_render(
        campaign=campaign, recipient=recipient, categories=categories
    )
    return Notification(
        dedupe_key=f"{campaign.group}:{recipient.email}",
        kind="campaign",
        group=campaign.group,
        segment=recipient.exposure.tier if recipient.exposure else "",
        to_email=recipient.email,
        subject=subject,
        body_text=text,
        body_html=body_html,
        secret=campaign_email_is_secret(campaign=campaign, recipient=recipient, text=text),
    )


def _tiers(campaign: Campaign) -> list[str]:
    if campaign.audience in (Campaign.Audience.STANDARD, Campaign.Audience.PRIORITY):
        return [campaign.audience]
    return list(Tier.values)


def _subscribers(campaign: Campaign):
    return Subscription.objects.filter(
        incident=campaign.incident, confirmed_at__isnull=False, unsubscribed_at__isnull=True
    )


def _recipients(campaign: Campaign) -> Iterator[Recipient]:
    if campaign.audience == Campaign.Audience.SUBSCRIBERS:
        for subscription in _subscribers(campaign).iterator():
            yield Recipient(subscription.email, None, subscription.language)
        return
    skip = _changed_password_digests(campaign)
    languages = _account_languages()
    for email, exposure in affected_addresses(incident=campaign.incident, tiers=_tiers(campaign)):
        if bytes(exposure.email_digest) not in skip:
            language = languages.get(email.casefold(), settings.LANGUAGE_CODE)
            yield Recipient(email, exposure, language)


def _account_languages() -> dict[str, str]:
    """The language of each verified address whose account reads another than English."""
    rows = EmailAddress.objects.filter(verified=True).exclude(
        user__language=settings.LANGUAGE_CODE
    )
    return {email.casefold(): lang for email, lang in rows.values_list("email", "user__language")}


def _changed_password_digests(campaign: Campaign) -> set[bytes]:
    """For a follow-up to those who have not changed their password: who has, by digest."""
    if campaign.audience != Campaign.Audience.PASSWORD_NOT_CHANGED:
        return set()
    incident = campaign.incident
    since = incident.confirmed_at or incident.created_at
    emails = EmailAddress.objects.filter(
        verified=True, user__password_changed_at__gte=since
    ).values_list("email", flat=True)
    return {email_digest(e) for e in emails.iterator()}


def campaign_follow_up_create(*, incident, user) -> Campaign:
    """
    A draft nudge to the affected people who have not changed their password yet, written
    in every language of the site (each recipient gets theirs).
    """
    words = {}
    for code, _name in settings.LANGUAGES:
        with override(code):
            words[build_localized_fieldname("subject", code)] = _(
                "Reminder: please set a new password ({{ incident }})"
            )
            words[build_localized_fieldname("body", code)] = _(
                "We wrote to you about {{ incident }}. Your {{ categories }} was involved, and "
                "your account still has the password it had then.\n\n"
                "Please set a new password: type {{ site_url }} into your browser yourself, "
                "sign in and follow the steps. We will never ask for your password by email."
            )
    return Campaign.objects.create(
        incident=incident,
        name=_("Follow-up: set a new password"),
        audience=Campaign.Audience.PASSWORD_NOT_CHANGED,
        created_by=user,
        **words,
    )
