"""The admin's home page tells the comms team what needs them, and nobody more than their role."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from incidents.models import Obligation, Regime
from incidents.selectors import obligation_clock
from incidents.services import clocks

pytestmark = pytest.mark.django_db

CONFIRMED = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def deadline(incident, regime_name, **fields):
    return clocks.obligation_save(
        obligation=Obligation(
            incident=incident, regime=Regime.objects.get(name=regime_name), **fields
        )
    )


@pytest.fixture
def confirmed(make_incident):
    return make_incident(confirmed_at=CONFIRMED)


def home(client) -> str:
    return client.get(reverse("admin:index")).content.decode()


def test_open_deadlines_come_first_with_their_time_left(role_client, confirmed):
    deadline(confirmed, "GDPR Art. 33")  # 72 h from the confirmation
    deadline(confirmed, "India CERT-In", filed_at=CONFIRMED + dt.timedelta(hours=2))

    with time_machine.travel(CONFIRMED + dt.timedelta(hours=70), tick=False):
        page = home(role_client("Comms team"))

    needs = page[page.index("What needs you now") : page.index('id="content-related"')]
    assert "GDPR Art. 33" in needs
    assert "2 h 00 min left" in needs
    assert "India CERT-In" not in needs  # filed: nothing to do


def test_a_filing_made_late_says_late(confirmed):
    late = deadline(confirmed, "India CERT-In", filed_at=CONFIRMED + dt.timedelta(hours=8))

    clock = obligation_clock(late)

    assert clock.state == "filed-late"
    assert clock.text == "Filed 20 Nov 2026, 17:00 UTC, 2 h 00 min late"
    on_time = deadline(confirmed, "RBI", filed_at=CONFIRMED + dt.timedelta(hours=1))
    assert obligation_clock(on_time).text == "Filed 20 Nov 2026, 10:00 UTC"


def test_incidents_gone_quiet_and_the_funnel_are_one_click_away(role_client, make_incident):
    hours_ago = timezone.now() - dt.timedelta(hours=2)
    quiet = make_incident(
        slug="quiet-one", title="Quiet one", quiet_hours=1, disclosed_at=hours_ago
    )
    make_incident(slug="just-out", title="Just out", quiet_hours=1, disclosed_at=timezone.now())

    page = home(role_client("Comms team"))

    assert f"{reverse('admin:incidents_update_add')}?incident={quiet.pk}" in page
    assert reverse("admin-funnel", args=[quiet.slug]) in page
    assert "Post an update on “Just out”" not in page  # disclosed a moment ago


def test_agents_see_no_deadlines_and_nothing_of_an_unpublished_incident(
    role_client, make_incident
):
    secret = make_incident(slug="not-yet", title="Not yet announced", is_published=False)
    deadline(secret, "GDPR Art. 33", clock_started_at=CONFIRMED)

    comms, agent = home(role_client("Comms team")), home(role_client("Support agents"))

    assert "Not yet announced" in comms
    assert "What needs you now" not in agent
    assert "Not yet announced" not in agent


def test_the_admin_speaks_plain_words(staff_client):
    home_page = home(staff_client)
    form = staff_client.get(reverse("admin:incidents_incident_add")).content.decode()

    for plain in ["Two-factor authentication", "Affected people", "Deadline rules (by regulator)"]:
        assert plain in home_page
    assert "Web address:" in form and "as in /incidents/card-data-2026/" in form
    assert "Remind after this many hours without an update" in form
    for jargon in [">MFA<", "Exposures", "Deadline regimes", "Slug:", "Quiet hours"]:
        assert jargon not in home_page + form, jargon


def test_translations_behind_a_correction_are_one_click_away(role_client, make_incident):
    from incidents.models import FAQ, Update
    from incidents.services import faq_save, update_save

    incident = make_incident()
    update = Update(incident=incident, status="identified", body_en="120,000 people.",
                    body_es="120.000 personas.", publish_at=timezone.now())  # fmt: skip
    update_save(update=update)
    update.body_en = "142,000 people."
    update_save(update=update)
    faq_save(faq=FAQ(question="Is it over?", answer="No.", question_es="¿Terminó?",
                     answer_es="No."))  # fmt: skip

    page = home(role_client("Comms team"))

    assert "1 update to translate again into Spanish" in page
    assert f"{reverse('admin:incidents_update_changelist')}?behind=es" in page
    assert "FAQ to translate again" not in page  # its translation is up to date
