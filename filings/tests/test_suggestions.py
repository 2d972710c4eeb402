"""Where the affected people live suggests regulators; a person confirms each one."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from filings.audit_actions import Action
from filings.models import SuggestionRule
from filings.selectors import suggestions_for
from filings.services import suggestion_confirm

pytestmark = pytest.mark.django_db


def suggested(incident) -> dict[str, int]:
    return {s.rule.regime.name: s.people for s in suggestions_for(incident=incident)}


def test_people_in_the_eu_and_india_suggest_gdpr_and_cert_in(incident, affected):
    affected(3, "DE")
    affected(2, "FR")
    affected(1, "IN", "IN-MH")
    affected(4, "US", "US-NY")

    assert suggested(incident) == {"GDPR Art. 33": 5, "India CERT-In": 1}


def test_california_is_suggested_only_above_500_residents(incident, affected):
    affected(500, "US", "US-CA")
    assert suggested(incident) == {}

    affected(1, "US", "US-CA")
    assert suggested(incident) == {"California Attorney General (Civ. Code 1798.82(f))": 501}


def test_each_suggestion_names_its_rule_and_source(incident, affected):
    affected(1, "NO")

    (suggestion,) = suggestions_for(incident=incident)

    assert suggestion.rule.name == "People in the EU or EEA"
    assert "Art. 33" in suggestion.rule.source


def test_confirming_creates_the_deadline_and_a_prefilled_draft(incident, affected, admin_user):
    affected(3, "DE")
    rule = SuggestionRule.objects.get(regime__name="GDPR Art. 33")

    obligation = suggestion_confirm(incident=incident, rule=rule, user=admin_user)

    assert obligation.regime.name == "GDPR Art. 33"
    assert "3 people affected in total." in obligation.draft.values["data_subjects"]
    assert "- Germany (DE): 3" in obligation.draft.values["data_subjects"]
    assert suggested(incident) == {}  # confirmed: no longer suggested
    event = AuditEvent.objects.get(action=Action.SUGGESTION_CONFIRMED)
    assert (event.actor, event.details["people"]) == (admin_user, 3)


def test_a_rule_that_suggests_nothing_cannot_be_confirmed(incident, affected, admin_user):
    affected(3, "US", "US-CA")
    rule = SuggestionRule.objects.get(regime__name="GDPR Art. 33")

    with pytest.raises(ValidationError):
        suggestion_confirm(incident=incident, rule=rule, user=admin_user)

    assert not incident.obligations.exists()


def test_a_regime_rule_and_form_added_as_data_suggest_and_prefill(incident, affected, admin_user):
    from filings.models import FilingField, FilingForm
    from incidents.models import Regime

    regime = Regime.objects.create(name="Brazil LGPD", authority="ANPD", hours=72)
    form = FilingForm.objects.create(regime=regime)
    FilingField.objects.create(
        form=form, key="people", label="Titulares", source="LGPD Art. 48", prefill="people"
    )
    SuggestionRule.objects.create(
        name="People in Brazil", regime=regime, countries="BR", source="LGPD Art. 3"
    )
    affected(2, "BR")

    (suggestion,) = suggestions_for(incident=incident)
    obligation = suggestion_confirm(incident=incident, rule=suggestion.rule, user=admin_user)

    assert obligation.draft.values == {"people": "2 people affected in total.\n- Brazil (BR): 2"}
