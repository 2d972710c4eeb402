"""
Staff alerts on chat: Slack and Microsoft Teams incoming webhooks, through the outbox.

Each alert is one outbox row per chat endpoint that takes its topic, keyed by the
event, so repeating an alert (a second beat run, a second worker) posts nothing twice.
Alerts name a record and link to its admin page; they never carry what a customer
wrote or who they are (a chat channel is read more widely than the admin).
"""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from ..models import ChatEndpoint
from .deliveries import delivery_enqueue

TOPICS = ("deadlines", "quiet_incidents", "published_updates", "urgent_questions")


@dataclass(frozen=True)
class ChatMessage:
    title: str
    lines: tuple[str, ...]
    link: str
    link_text: str


def admin_url(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn treats these three as control characters (links, mentions).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def chat_payload(flavour: str, message: ChatMessage) -> dict:
    """The JSON body each flavour of incoming webhook takes."""
    if flavour == ChatEndpoint.Flavour.TEAMS:
        # A Teams Workflows webhook ("Post to a channel when a webhook request is
        # received") takes a message with an Adaptive Card attachment.
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [
                {"type": "TextBlock", "text": message.title, "weight": "Bolder", "wrap": True},
                *({"type": "TextBlock", "text": line, "wrap": True} for line in message.lines),
            ],
            "actions": [
                {"type": "Action.OpenUrl", "title": message.link_text, "url": message.link}
            ],
        }
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": None,
                    "content": card,
                }
            ],
        }
    text = "\n".join(
        [
            f"*{_slack_escape(message.title)}*",
            *(_slack_escape(line) for line in message.lines),
            f"<{message.link}|{_slack_escape(message.link_text)}>",
        ]
    )
    return {"text": text}


def chat_alert(*, topic: str, key: str, kind: str, build, group: str = "") -> int:
    """
    Post `build()` (a ChatMessage, written in the site's language) to every active chat
    endpoint that takes `topic`, once per `key` and endpoint. Returns how many are queued.
    """
    if topic not in TOPICS:
        raise ValueError(topic)
    endpoints = list(
        ChatEndpoint.objects.filter(is_active=True, disabled_at__isnull=True, **{topic: True})
    )
    if not endpoints:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        message = build()
    for endpoint in endpoints:
        delivery_enqueue(
            dedupe_key=f"chat:{key}:{endpoint.pk}",
            kind=kind,
            payload=chat_payload(endpoint.flavour, message),
            summary=message.title,
            chat_endpoint=endpoint,
            group=group,
        )
    return len(endpoints)


def urgent_question_alert(*, reference: str, category: str, due_at, link: str) -> int:
    """
    Tell the staff chat that an urgent question came in (support calls this). Carries
    the reference, the category and when an answer is due, never the words or the asker.
    Idempotent per reference.
    """
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _

    def message() -> ChatMessage:
        return ChatMessage(
            title=_("Urgent question %(reference)s") % {"reference": reference},
            lines=(
                _("%(category)s; first answer due %(when)s UTC.")
                % {"category": category, "when": date_format(due_at, "j M Y, H:i")},
            ),
            link=link,
            link_text=_("Open the question"),
        )

    return chat_alert(
        topic="urgent_questions", key=f"urgent:{reference}", kind="urgent-question", build=message
    )
