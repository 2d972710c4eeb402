import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from incidents.digest import email_digest
from incidents.models import DataCategory, Exposure, ImportBatch, Tier
from incidents.services import imports

pytestmark = pytest.mark.django_db

METHODS = [
    "orm",
    pytest.param(
        "copy",
        marks=pytest.mark.skipif(
            connection.vendor != "postgresql", reason="COPY needs PostgreSQL (CI runs it)"
        ),
    ),
]


def csv_file(*rows, header="email,categories,tier,remedy_code", encoding="utf-8"):
    text = io.StringIO()
    if header is not None:
        text.write(header + "\r\n")
    writer = csv.writer(text)
    for row in rows:
        writer.writerow(row) if isinstance(row, list) else text.write(row + "\r\n")
    return io.BytesIO(text.getvalue().encode(encoding))


@pytest.fixture
def phone(db, incident):
    category = DataCategory.objects.create(slug="phone", name="Phone", advice="Beware calls.")
    incident.data_categories.add(category)
    return category


def run(incident, source, method="orm"):
    batch = ImportBatch.objects.create(
        incident=incident, original_name="list.csv", total_rows=imports.import_file_check(source)
    )
    return imports.import_batch_run(batch=batch, source=source, method=method)


def error_rows(batch):
    with batch.error_report.open("r") as report:
        return list(csv.DictReader(report))


@pytest.mark.parametrize("method", METHODS)
def test_good_rows_are_imported_and_bad_rows_reported_with_line_and_reason(
    incident, phone, method
):
    source = csv_file(
        ["alice@example.com", "password-hash;phone", "priority", "CODE-1"],
        ["not-an-email", "phone", "standard", ""],
        ["carol@example.com", "phone;tattoos", "standard", ""],
        ["dave@example.com", "phone", "platinum", ""],
        ["erin@example.com", "phone"],
        ["frank@example.com", "phone", "standard", ""],
    )

    batch = run(incident, source, method)

    assert (batch.state, batch.created_count, batch.rejected_count) == ("done", 2, 4)
    alice = Exposure.objects.get(email_digest=email_digest("alice@example.com"))
    assert alice.tier == Tier.PRIORITY
    assert alice.remedy_code == "CODE-1"
    assert sorted(alice.category_ids) == sorted(
        [phone.pk, incident.data_categories.get(slug="password-hash").pk]
    )
    reasons = {int(r["line"]): r["reason"] for r in error_rows(batch)}
    assert reasons == {
        3: "bad email address",
        4: "unknown category: tattoos",
        5: "unknown tier: platinum",
        6: "wrong column count: expected 4, found 2",
    }


@pytest.mark.parametrize("method", METHODS)
def test_importing_the_same_file_twice_changes_nothing(incident, phone, method):
    rows = [["alice@example.com", "phone", "standard", ""], ["bob@example.com", "phone", "", ""]]
    run(incident, csv_file(*rows), method)
    before = list(
        Exposure.objects.values_list("email_digest", "category_ids", "tier", "updated_at")
    )

    again = run(incident, csv_file(*rows), method)

    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    after = list(
        Exposure.objects.values_list("email_digest", "category_ids", "tier", "updated_at")
    )
    assert after == before


@pytest.mark.parametrize("method", METHODS)
def test_a_reimport_with_changed_rows_updates_them(incident, phone, method):
    run(incident, csv_file(["alice@example.com", "phone", "standard", ""]), method)

    batch = run(incident, csv_file(["alice@example.com", "phone", "priority", "NEW-CODE"]), method)

    assert (batch.created_count, batch.updated_count) == (0, 1)
    exposure = Exposure.objects.get()
    assert (exposure.tier, exposure.remedy_code) == (Tier.PRIORITY, "NEW-CODE")


@pytest.mark.parametrize("method", METHODS)
def test_an_address_repeated_in_the_file_keeps_its_last_row(incident, phone, method):
    batch = run(
        incident,
        csv_file(
            ["alice@example.com", "phone", "standard", ""],
            ["  ALICE@Example.com ", "phone", "priority", "LAST"],
        ),
        method,
    )

    assert batch.created_count == 1
    assert Exposure.objects.get().remedy_code == "LAST"


def test_emails_in_any_case_or_with_spaces_get_the_same_digest():
    assert email_digest("  Alice@Example.COM ") == email_digest("alice@example.com")
    assert len(email_digest("alice@example.com")) == 32


def test_raw_emails_are_not_stored(incident, phone):
    run(incident, csv_file(["alice@example.com", "phone", "standard", ""]))

    stored = repr(list(Exposure.objects.values()))

    assert "alice" not in stored


def test_a_file_with_the_wrong_header_is_refused():
    with pytest.raises(ValidationError, match="must be the header"):
        imports.import_file_check(csv_file(["a@example.com"], header="mail,cats"))


def test_a_file_that_is_not_utf8_is_refused_with_its_line():
    source = csv_file(
        ["a@example.com", "phone", "", ""],
        ["zoë@example.com", "phone", "", ""],
        encoding="latin-1",
    )

    with pytest.raises(ValidationError, match="Line 3 is not UTF-8"):
        imports.import_file_check(source)


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(ValidationError, match="limit"):
        imports.import_file_check(csv_file(["a@example.com", "phone", "", ""]), max_bytes=10)


def test_a_byte_order_mark_is_accepted_and_rows_are_counted(incident, phone):
    source = io.BytesIO(b"\xef\xbb\xbf" + csv_file(["a@example.com", "phone", "", ""]).getvalue())

    assert imports.import_file_check(source) == 1
    assert run(incident, source).created_count == 1


def test_an_interrupted_import_can_be_run_again(incident, phone):
    source = csv_file(["alice@example.com", "phone", "standard", ""])
    batch = ImportBatch.objects.create(incident=incident, original_name="x.csv", total_rows=1)
    batch.state = ImportBatch.State.RUNNING  # a worker died here
    batch.save()

    imports.import_batch_run(batch=batch, source=source)

    assert batch.state == ImportBatch.State.DONE
    assert Exposure.objects.count() == 1


def test_an_internationalised_domain_is_accepted(incident, phone):
    batch = run(incident, csv_file(["  Zoe@Exämple.com ", "phone", "standard", ""]))

    assert batch.created_count == 1
    assert Exposure.objects.filter(email_digest=email_digest("zoe@exämple.com")).exists()


@pytest.mark.parametrize(
    "address",
    ["a@b", "a..b@example.com", "a b@example.com", "@example.com", "a@example.123", "a@x.c0m"],
)
def test_malformed_addresses_are_rejected(incident, phone, address):
    batch = run(incident, csv_file([address, "phone", "standard", ""]))

    assert (batch.created_count, batch.rejected_count) == (0, 1)


def test_deleting_an_incident_deletes_its_exposures(incident, phone):
    run(incident, csv_file(["alice@example.com", "phone", "standard", ""]))

    incident.delete()

    assert not Exposure.objects.exists()
