"""
Reading an email sent to the support mailbox: who sent it, what it says, whether a
robot sent it, which of our emails it answers. Pure functions over one message, no
database: the intake (services.inbound_email_receive) decides what to do with it.
"""

import hashlib
import html
import re
from dataclasses import dataclass, field
from email.utils import getaddresses

import nh3
from django.conf import settings
from imap_tools import MailMessage

# A ticket's reference as we write it in our subjects, e.g. "(C-7KQ2MX)".
REFERENCE = re.compile(r"\bC-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}\b", re.IGNORECASE)
MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
# What a message body may hold: text, newlines and tabs. NUL is refused by PostgreSQL;
# the other control characters only ever come from a broken charset.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Where an HTML email breaks its lines.
HTML_BREAK = re.compile(r"<\s*(?:br|/?p|/?div|/?li|/?tr|/?h[1-6]|/?blockquote|hr)\b[^>]*>", re.I)
BODY_MAX_CHARS = 50_000
# Our private links (/support/t/<token>/): a reply quoting our acknowledgement carries one,
# and it must not reach the inbox, where every agent would read the customer's secret.
PRIVATE_LINK = re.compile(r"(/t/)[A-Za-z0-9_-]{32,}")
# Where a reply starts quoting the email it answers, as common mail programs write it.
QUOTE_HEADER = re.compile(
    r"^(?:(?:On|El|Le|Am)\b.{0,300}\b(?:wrote|escribió|a écrit|schrieb):\s*$"
    r"|-{2,}\s*(?:Original Message|Mensaje original)\s*-{2,}\s*$"
    r"|(?:From|De):\s.*\n(?:Sent|Date|Enviado|Fecha):\s)",
    re.IGNORECASE | re.MULTILINE,
)
# Senders that are mail systems, not people: their mail is a delivery report.
SYSTEM_SENDERS = {"mailer-daemon", "postmaster"}
# RFC 2076 / RFC 3834: mail sent by a program, in bulk or from a list, is never answered.
ROBOT_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}


@dataclass(frozen=True)
class Attachment:
    name: str
    size: int


@dataclass(frozen=True)
class IncomingMail:
    """One email as the intake needs it; `body` is plain text, never markup."""

    message_id: str
    from_email: str
    from_name: str
    subject: str
    body: str
    size: int
    # Message-IDs it answers (In-Reply-To, then References), newest first.
    answers: list[str] = field(default_factory=list)
    # A ticket reference named in the subject, upper-cased.
    reference: str = ""
    automated: bool = False
    bounce: bool = False
    # The language the sender's mail program declared (Content-Language and the like).
    language: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    too_large: bool = False


def mail_parse(message: MailMessage, *, size: int, too_large: bool = False) -> IncomingMail:
    """
    What `message` says. A `too_large` message was fetched without its body: only its
    headers are read. Undecodable text (an unknown or lying charset) is read as UTF-8
    with what does not decode left out, never refused.
    """
    headers = message.obj
    sender = message.from_values
    from_email = (sender.email if sender else "").strip().lower()
    answers = _message_ids(headers.get("In-Reply-To", "")) + list(
        reversed(_message_ids(headers.get("References", "")))
    )
    subject = _clean(" ".join(message.subject.split()))
    return IncomingMail(
        message_id=_message_id(headers, from_email, subject, size),
        from_email=from_email[:254],
        from_name=_clean(sender.name if sender else "")[:150],
        subject=subject[:200],
        body="" if too_large else mail_text(message),
        size=size,
        answers=list(dict.fromkeys(answers)),
        reference=(match.group(0).upper() if (match := REFERENCE.search(subject)) else ""),
        automated=_automated(headers),
        bounce=_bounce(headers, from_email),
        language=_declared_language(headers),
        attachments=[] if too_large else _attachments(message),
        too_large=too_large,
    )


def mail_text(message: MailMessage) -> str:
    """The text of an email: its plain part, or its HTML part turned into plain text."""
    text = message.text
    if not text.strip() and message.html.strip():
        text = html_to_text(message.html)
    text = _clean(text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    text = private_links_removed(text)
    if len(text) > BODY_MAX_CHARS:
        text = text[:BODY_MAX_CHARS] + "\n[…]"
    return text


def reply_text(text: str) -> str:
    """
    What a reply adds: the text above the email it quotes ("On … wrote:" and the quoted
    lines dropped). The whole text when nothing is left above the quote.
    """
    match = QUOTE_HEADER.search(text)
    above = text[: match.start()] if match else text
    above = "\n".join(line for line in above.splitlines() if not line.startswith(">")).strip()
    return above or text


def private_links_removed(text: str) -> str:
    return PRIVATE_LINK.sub(r"\1[…]", text)


def html_to_text(markup: str) -> str:
    """
    HTML as plain text: breaks where the blocks were, every tag gone (script and style
    with their content), entities decoded. Shown escaped like any message, never as HTML.
    """
    broken = HTML_BREAK.sub("\n", markup)
    stripped = nh3.clean(
        broken, tags=set(), clean_content_tags={"script", "style", "title", "head"}
    )
    lines = [" ".join(line.split()) for line in html.unescape(stripped).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _clean(text: str) -> str:
    return CONTROL.sub("", text)


def _message_ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(str(value or ""))


def _message_id(headers, from_email: str, subject: str, size: int) -> str:
    """Its Message-ID, or (for mail without a usable one) one made from what it says."""
    found = _message_ids(headers.get("Message-ID", ""))
    if found:
        return found[0]
    seed = "\n".join([from_email, subject, str(headers.get("Date", "")), str(size)])
    return f"<{hashlib.sha256(seed.encode()).hexdigest()[:40]}@no-message-id.invalid>"


def _automated(headers) -> bool:
    auto_submitted = str(headers.get("Auto-Submitted", "")).strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if str(headers.get("Precedence", "")).strip().lower() in ROBOT_PRECEDENCE:
        return True
    # Mailing lists, and the auto-responders that say so in their own way.
    return any(name in headers for name in ("List-Id", "X-Autoreply", "X-Autorespond"))


def _bounce(headers, from_email: str) -> bool:
    if headers.get_content_type() == "multipart/report":  # DSNs, read receipts
        return True
    if str(headers.get("Return-Path", "")).strip() == "<>":  # the null sender of a DSN
        return True
    return from_email.partition("@")[0] in SYSTEM_SENDERS


def _declared_language(headers) -> str:
    """The first of our languages the sender's mail program named, or ""."""
    ours = {code for code, _name in settings.LANGUAGES}
    for name in ("Content-Language", "Accept-Language"):
        for tag in re.split(r"[,;\s]+", str(headers.get(name, "")).lower()):
            primary = tag.split("-")[0]
            if primary in ours:
                return primary
    return ""


def _attachments(message: MailMessage) -> list[Attachment]:
    found = []
    for part in message.attachments:
        name = _clean(" ".join((part.filename or "").split()))[:120] or part.content_type
        found.append(Attachment(name=name, size=part.size))
    return found


# What a question is about, guessed from its words (English and Spanish) as the web form's
# asker would have chosen it; the first that matches wins, so a phishing report comes first.
CATEGORY_WORDS = [
    ("phishing", r"phishing|suspicious|scam|fraud|sospechos|estafa|fraude|enga[ñn]o"),
    ("password", r"password|passcode|two.factor|2fa|contrase[ñn]a|dos factores"),
    ("remedy", r"compensation|credit monitoring|refund|remedy|compensaci[óo]n|reembolso"),
    ("affected", r"affected|leak|breach|exposed|afectad|filtra|brecha|expuest"),
]


def mail_category(subject: str, body: str) -> str:
    """The category its words suggest, or "other"; an agent corrects it in triage."""
    text = f"{subject}\n{body[:2000]}".lower()
    for category, words in CATEGORY_WORDS:
        if re.search(words, text):
            return category
    return "other"


def own_addresses() -> set[str]:
    """The addresses we send from: mail from them is ours coming back, never answered."""
    values = [settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL, settings.SUPPORT_EMAIL]
    return {address.lower() for _name, address in getaddresses(values) if address}
