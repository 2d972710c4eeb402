from django import template

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
