"""The affected list may say where each person lives (country, region): checked per row."""

import pytest

from incidents.digest import email_digest
from incidents.models import DataCategory, Exposure
from incidents.selectors import incident_reach

from .test_imports import METHODS, csv_file, error_rows, run

pytestmark = pytest.mark.django_db

PLACES = "email,categories,tier,remedy_code,country,region"


@pytest.fixture
def phone(incident):
    category = DataCategory.objects.create(slug="phone", name="Phone", advice="Beware calls.")
    incident.data_categories.add(category)
    return category


@pytest.mark.parametrize("method", METHODS)
def test_places_are_kept_and_bad_ones_reported_with_their_line(incident, phone, method):
    source = csv_file(
        ["ann@example.com", "phone", "", "", "de", ""],
        ["bob@example.com", "phone;password-hash", "", "", "US", "us-ca"],
        ["cy@example.com", "phone", "", "", "", "IN-MH"],
        ["dee@example.com", "phone", "", "", "XX", ""],
        ["eve@example.com", "phone", "", "", "FR", "US-CA"],
        ["fay@example.com", "phone", "", "", "US", "US-ZZ"],
        ["gus@example.com", "phone", "", "", "", ""],
        header=PLACES,
    )

    batch = run(incident, source, method)

    assert (batch.created_count, batch.rejected_count) == (4, 3)
    place = {bytes(e.email_digest): (e.country, e.region) for e in Exposure.objects.all()}
    assert place[email_digest("ann@example.com")] == ("DE", "")
    assert place[email_digest("bob@example.com")] == ("US", "US-CA")
    assert place[email_digest("cy@example.com")] == ("IN", "IN-MH")  # the region names it
    assert place[email_digest("gus@example.com")] == ("", "")
    reasons = {int(r["line"]): r["reason"] for r in error_rows(batch)}
    assert reasons[5].startswith("unknown country code: XX")
    assert reasons[6] == "region US-CA is not in country FR"
    assert reasons[7].startswith("unknown region code: US-ZZ")


def test_a_list_without_places_still_imports(incident, phone):
    batch = run(incident, csv_file(["ann@example.com", "phone", "", ""]))

    assert batch.created_count == 1
    assert Exposure.objects.get().country == ""


def test_a_row_without_the_place_columns_its_header_names_is_refused(incident, phone):
    batch = run(incident, csv_file(["ann@example.com", "phone", "", ""], header=PLACES))

    assert batch.rejected_count == 1
    assert error_rows(batch)[0]["reason"] == "wrong column count: expected 6, found 4"


def test_the_reach_counts_people_per_place_and_category(incident, phone):
    run(
        incident,
        csv_file(
            ["ann@example.com", "phone", "", "", "DE", ""],
            ["bob@example.com", "phone;password-hash", "", "", "US", "US-CA"],
            ["cy@example.com", "phone", "", "", "US", "US-CA"],
            ["dee@example.com", "password-hash", "", "", "", ""],
            header=PLACES,
        ),
    )

    reach = incident_reach(incident=incident)

    assert (reach.people, reach.records) == (4, 5)
    assert [(p.country, p.region, p.people) for p in reach.places] == [
        ("US", "US-CA", 2),
        ("", "", 1),
        ("DE", "", 1),
    ]
    assert reach.places[0].name == "United States, California"
    assert {c.slug: c.people for c in reach.categories} == {"phone": 3, "password-hash": 2}
    assert reach.countries == {"US": 2, "": 1, "DE": 1}
