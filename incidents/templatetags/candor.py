import datetime as dt

from django import template
from django.template.defaultfilters import date as date_format
from django.utils.html import format_html

from incidents.localized import text_in
from incidents.markdown import render_markdown
from incidents.models import Status

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """{{ update.body|markdown }}: rendered and sanitised Markdown."""
    return render_markdown(text)


@register.inclusion_tag("incidents/_status.html")
def status_badge(status):
    """A coloured, labelled badge for an incident status (never colour alone)."""
    return {"status": status, "label": Status(status).label}


@register.filter
def lang_attr(text):
    """<p{{ faq.translated.answer|lang_attr }}>: ` lang="en"` on a text shown untranslated."""
    if getattr(text, "is_fallback", False):
        return format_html(' lang="{}"', text.lang)
    return ""


@register.filter
def translated(obj, field):
    """{{ revision|translated:"body" }}: a field in the reader's language, else the original."""
    return text_in(obj, field)


@register.filter
def time_tag(when):
    """
    {{ update.publish_at|time_tag }}: the time in UTC, which every page can say the same to
    everyone (and a CDN can keep); static/js/local-time.js adds the reader's own zone.
    """
    if not when:
        return ""
    when = when.astimezone(dt.UTC)
    return format_html(
        '<time datetime="{}" data-local-time>{} UTC</time>',
        date_format(when, "Y-m-d\\TH:i:sO"),
        date_format(when, "j M Y, H:i"),
    )
