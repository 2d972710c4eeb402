from django import template
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
