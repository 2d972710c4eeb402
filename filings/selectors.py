"""Reads for reports to regulators: prefills, suggestions, versions and the text of a draft."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.models import Incident, Obligation
from incidents.selectors import Reach, incident_reach

from .models import Draft, Fact, FilingField, FilingForm, SuggestionRule

# The public notice's sections, headed as California's Civ. Code 1798.82(d) heads them.
NOTICE_SECTIONS = {
    Fact.WHAT_HAPPENED: gettext_lazy("What Happened"),
    Fact.WHAT_INFORMATION: gettext_lazy("What Information Was Involved"),
    Fact.WHAT_WE_ARE_DOING: gettext_lazy("What We Are Doing"),
    Fact.WHAT_YOU_CAN_DO: gettext_lazy("What You Can Do"),
    Fact.MORE_INFORMATION: gettext_lazy("For More Information"),
}


def _utc(moment: dt.datetime | None) -> str:
    if moment is None:
        return _("not yet")
    return date_format(timezone.localtime(moment, dt.UTC), "j M Y, H:i") + " UTC"


def incident_fact(*, incident: Incident, fact: str, reach: Reach) -> str:
    """One fact of the incident, in words a regulator's form takes."""
    if fact == Fact.SUMMARY:
        return incident.summary
    if fact in NOTICE_SECTIONS:
        return getattr(incident, fact)
    if fact == Fact.NOTICE:
        return "\n\n".join(
            f"{heading}\n{getattr(incident, section)}"
            for section, heading in NOTICE_SECTIONS.items()
            if getattr(incident, section)
        )
    if fact == Fact.PEOPLE:
        lines = [_("%(people)d people affected in total.") % {"people": reach.people}]
        lines += [
            f"- {place.name or _('Place not known')}"
            f"{f' ({place.region or place.country})' if place.country else ''}: {place.people}"
            for place in reach.places
        ]
        return "\n".join(lines)
    if fact == Fact.CATEGORIES:
        lines = [
            _("%(records)d records of personal data, of %(people)d people.")
            % {"records": reach.records, "people": reach.people}
        ]
        lines += [
            _("- %(category)s: %(people)d people") % {"category": c.name, "people": c.people}
            for c in reach.categories
        ]
        return "\n".join(lines)
    if fact == Fact.KEY_TIMES:
        return "\n".join(
            [
                _("Detected: %s") % _utc(incident.detected_at),
                _("Confirmed (awareness): %s") % _utc(incident.confirmed_at),
                _("Disclosed to the public: %s") % _utc(incident.disclosed_at),
                _("Resolved: %s") % _utc(incident.resolved_at),
            ]
        )
    return ""


def filing_fields(*, obligation: Obligation) -> list[FilingField]:
    """The fields the obligation's regime asks for; none when no form describes it."""
    form = FilingForm.objects.filter(regime_id=obligation.regime_id).first()
    return list(form.fields.all()) if form else []


def draft_prefill(*, obligation: Obligation) -> dict[str, str]:
    """
    A new draft's values: for a later phase, what was last filed for the earlier one
    (field by field, by key); the rest from the incident's facts as they are now.
    """
    fields = filing_fields(obligation=obligation)
    reach = incident_reach(incident=obligation.incident)
    values = {
        f.key: incident_fact(incident=obligation.incident, fact=f.prefill, reach=reach)
        for f in fields
    }
    earlier = _earlier_phase_filed(obligation)
    if earlier:
        values |= {k: v for k, v in earlier.items() if k in values and v}
    return values


def _earlier_phase_filed(obligation: Obligation) -> dict[str, str] | None:
    form = FilingForm.objects.filter(regime_id=obligation.regime_id).first()
    if not form or not form.follows_id:
        return None
    draft = Draft.objects.filter(
        obligation__incident_id=obligation.incident_id, obligation__regime_id=form.follows_id
    ).first()
    filing = draft.filings.select_related("version").first() if draft else None
    return filing.version.values if filing else None


@dataclass(frozen=True)
class Version:
    number: int
    at: dt.datetime
    by: str
    changed: list[str]  # labels of the fields this version changed
    filed: bool


def draft_versions(*, draft: Draft) -> list[Version]:
    """Every saved version, newest first: who saved it, when, which fields changed."""
    labels = {f.key: f.label for f in filing_fields(obligation=draft.obligation)}
    filed = set(draft.filings.values_list("version_id", flat=True))
    history = list(draft.history.select_related("history_user").order_by("history_id"))
    versions, before = [], {}
    for number, record in enumerate(history, start=1):
        changed = [
            labels.get(k, k)
            for k in {**before, **record.values}
            if before.get(k) != record.values.get(k)
        ]
        user = record.history_user
        versions.append(
            Version(
                number,
                record.history_date,
                user.get_username() if user else _("system"),
                changed,
                record.history_id in filed,
            )
        )
        before = record.values
    return versions[::-1]


def draft_sections(*, draft: Draft) -> list[tuple[FilingField, str]]:
    """The draft's fields with their text, in the form's order."""
    return [(f, draft.values.get(f.key, "")) for f in filing_fields(obligation=draft.obligation)]


def draft_text(*, draft: Draft) -> str:
    """The draft as plain text, to paste into a regulator's web form field by field."""
    obligation = draft.obligation
    parts = [
        f"{obligation.regime} · {obligation.regime.authority}",
        f"{obligation.incident}",
        "",
    ]
    for field, text in draft_sections(draft=draft):
        parts += [f"== {field.label} ({field.source})", text.strip() or "-", ""]
    return "\n".join(parts)


@dataclass(frozen=True)
class Suggestion:
    rule: SuggestionRule
    people: int


def suggestions_for(*, incident: Incident, reach: Reach | None = None) -> list[Suggestion]:
    """
    Regimes the affected people point to whose deadline the incident does not have yet,
    with the rule and how many people it counted. Nothing is applied: a person confirms.
    """
    reach = reach or incident_reach(incident=incident)
    have = set(incident.obligations.values_list("regime_id", flat=True))
    suggestions = []
    for rule in SuggestionRule.objects.filter(is_active=True).select_related("regime"):
        if rule.regime_id in have:
            continue
        people = reach.people_in(
            countries=set(rule.countries.upper().split()),
            regions=set(rule.regions.upper().split()),
        )
        if people > rule.more_than and people:
            suggestions.append(Suggestion(rule, people))
    return suggestions
