"""The admin's home page: what needs the comms team now."""

from django import template

from ..admin.languages import language_name
from ..admin.visibility import visible_incidents
from ..selectors import (
    incidents_gone_quiet,
    obligation_clock,
    obligations_open,
    translations_behind_counts,
)

register = template.Library()


@register.inclusion_tag("admin/incidents/_needs_you.html", takes_context=True)
def needs_you(context):
    """
    Open regulatory deadlines with their time left, incidents gone quiet, translations
    behind a corrected original, and each active incident's recovery funnel: only what
    this staff member may read.
    """
    user = context["request"].user
    incidents = visible_incidents(user)
    deadlines = []
    if user.has_perm("incidents.view_obligation"):
        deadlines = [(o, obligation_clock(o)) for o in obligations_open(incidents=incidents)]
    quiet = []
    behind = []
    if user.has_perm("incidents.change_update"):
        mine = set(incidents.values_list("pk", flat=True))
        quiet = [(i, last) for i, last in incidents_gone_quiet() if i.pk in mine]
        behind = [
            {**row, "name": language_name(row["language"])}
            for row in translations_behind_counts(incidents=incidents)
        ]
    funnels = []
    reads_incidents = user.has_perm("incidents.view_incident") or user.has_perm(
        "incidents.change_incident"
    )
    if reads_incidents and user.has_perm("incidents.view_exposure"):
        funnels = list(incidents.filter(is_published=True, resolved_at__isnull=True))
    return {"deadlines": deadlines, "quiet": quiet, "funnels": funnels, "behind": behind,
            "shown": user.has_perm("incidents.view_obligation")
            or user.has_perm("incidents.change_update")}  # fmt: skip
