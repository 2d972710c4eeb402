"""Writes for reports to regulators: confirming a suggestion, drafts and their filing."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from incidents.models import Incident, Obligation
from incidents.services import clocks

from .audit_actions import Action
from .models import Draft, Filing, SuggestionRule
from .selectors import draft_prefill, suggestions_for


@transaction.atomic
def suggestion_confirm(*, incident: Incident, rule: SuggestionRule, user) -> Obligation:
    """
    A person confirms that a suggested regime applies: its deadline is created (its
    clock counted as any other) with a draft prefilled. Refused when the rule does not
    suggest it (any more); the confirmation is in the audit trail with the rule's source.
    """
    suggestion = next(
        (s for s in suggestions_for(incident=incident) if s.rule.pk == rule.pk), None
    )
    if suggestion is None:
        raise ValidationError(_("This regulator is not suggested for this incident."))
    obligation = clocks.obligation_save(
        obligation=Obligation(incident=incident, regime=rule.regime)
    )
    audit_record(
        actor=user,
        action=Action.SUGGESTION_CONFIRMED,
        target=obligation,
        rule=rule.name,
        source=rule.source,
        people=suggestion.people,
    )
    draft_start(obligation=obligation, user=user)
    return obligation


@transaction.atomic
def draft_start(*, obligation: Obligation, user) -> Draft:
    """The obligation's draft, created prefilled on first use; idempotent."""
    draft = Draft.objects.select_for_update().filter(obligation=obligation).first()
    if draft:
        return draft
    draft = Draft(obligation=obligation, values=draft_prefill(obligation=obligation))
    draft._history_user = user
    draft.full_clean()
    draft.save()
    return draft


@transaction.atomic
def draft_save(*, draft: Draft, values: dict[str, str], user) -> Draft:
    """Save the edited fields as a new version in this person's name (none if unchanged)."""
    values = {**draft.values, **values}
    if values == draft.values:
        return draft
    draft.values = values
    draft._history_user = user
    draft.full_clean()
    draft.save()
    return draft


@transaction.atomic
def draft_file(*, draft: Draft, user, reference: str = "", filed_at=None) -> Filing:
    """
    Record that the draft's latest version was sent to the regulator. The first filing
    marks the deadline filed (in the audit trail as any filing); later ones are further
    phases of the same report (GDPR Art. 33(4)).
    """
    version = draft.history.order_by("-history_id").first()
    filing = Filing.objects.create(
        draft=draft,
        version=version,
        version_number=draft.history.filter(history_id__lte=version.history_id).count(),
        filed_at=filed_at or timezone.now(),
        filed_by=user,
        reference=reference,
    )
    obligation = draft.obligation
    if obligation.filed_at is None:
        obligation.filed_at, obligation.filed_by = filing.filed_at, user
        obligation.reference = reference
        clocks.obligation_save(obligation=obligation)
    audit_record(
        actor=user,
        action=Action.DRAFT_FILED,
        target=obligation,
        version=filing.version_number,
        reference=reference,
    )
    return filing


def drafts_filed_elsewhere(*, obligations, user) -> int:
    """
    Deadlines marked filed on their own page or by the list's action: their drafts' latest
    versions are recorded as the ones filed, if none was yet. Returns how many.
    """
    drafts = Draft.objects.filter(
        obligation__in=obligations, obligation__filed_at__isnull=False, filings__isnull=True
    ).select_related("obligation")
    for draft in drafts:
        obligation = draft.obligation
        draft_file(
            draft=draft, user=user, reference=obligation.reference, filed_at=obligation.filed_at
        )
    return len(drafts)
