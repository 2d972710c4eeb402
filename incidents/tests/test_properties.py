"""
Property-based tests (hypothesis) for the two places that take untrusted text in
bulk: email normalisation (the key of every exposure) and the affected-people
CSV importer. Examples are few and small, so the suite stays fast.
"""

import csv
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from incidents.digest import email_digest, email_normalise
from incidents.models import Exposure, ImportBatch
from incidents.services import imports

FEWER = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEW = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
METHODS = ["orm", *(["copy"] if connection.vendor == "postgresql" else [])]

# Text as people and spreadsheets produce it: any character but lone surrogates,
# which no decoded request or UTF-8 file can hold.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
ASCII_LOCAL = st.from_regex(r"[a-z0-9][a-z0-9.+_-]{0,15}", fullmatch=True).filter(
    lambda s: ".." not in s and not s.endswith(".")
)
ASCII_DOMAIN = st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){0,2}\.[a-z]{2,6}", fullmatch=True)
ADDRESS = st.builds(lambda local, domain: f"{local}@{domain}", ASCII_LOCAL, ASCII_DOMAIN)


def _mixed_case(draw_bools, text: str) -> str:
    return "".join(c.upper() if b else c for c, b in zip(text, draw_bools, strict=False))


# Email normalisation ---------------------------------------------------------------


@FEW
@given(TEXT)
@example("İSTANBUL@EXAMPLE.COM")  # İ lower-cases to i + a combining dot
@example("Å@example.com")  # the ångström sign composes to Å
@example("a\u0301@example.com")  # a + combining acute composes to á
@example(" \x1c alice@example.com \u2028")  # Unicode whitespace at both ends
def test_normalising_never_fails_and_twice_is_once(text):
    once = email_normalise(text)

    assert isinstance(once, str)
    assert email_normalise(once) == once


@FEW
@given(
    ADDRESS, st.lists(st.booleans(), min_size=60, max_size=60), st.sampled_from(["", " ", "\t"])
)
def test_an_address_typed_in_any_case_or_with_spaces_is_the_same_person(address, caps, space):
    typed = space + _mixed_case(caps, address) + space

    assert email_normalise(typed) == address
    assert email_digest(typed) == email_digest(address)


@FEW
@given(TEXT, TEXT)
@example("alice@example.com", "\u0430lice@example.com")  # a Cyrillic a: another person
@example("alice@example.com", "alice\uff20example.com")  # a full-width at sign
@example("alice@example.com", "alice+tag@example.com")  # a tag is another mailbox
@example("Ä@example.com", "A\u0308@example.com")  # composed or not: the same
def test_digests_are_equal_exactly_when_normalised_addresses_are(a, b):
    same_person = email_normalise(a) == email_normalise(b)

    assert (email_digest(a) == email_digest(b)) == same_person


def test_lookalike_addresses_are_different_people():
    real = email_digest("alice@example.com")
    for lookalike in (
        "\u0430lice@example.com",
        "alice\uff20example.com",
        "ali\u200bce@example.com",
    ):
        assert email_digest(lookalike) != real


# The CSV importer -------------------------------------------------------------------

CELL = st.one_of(
    TEXT,
    st.sampled_from(
        ["", "password-hash", "standard", "priority", "=cmd|'/C calc'!A0", "\x00", "\r\n", '"']
    ),
)
ROW = st.lists(CELL, min_size=0, max_size=6)
GOOD_ROW = st.builds(
    lambda email, tier, code: [email, "password-hash", tier, code],
    ADDRESS,
    st.sampled_from(["standard", "priority", "", " PRIORITY "]),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=10),
)


def _csv(rows) -> io.BytesIO:
    text = io.StringIO()
    text.write("email,categories,tier,remedy_code\r\n")
    csv.writer(text).writerows(rows)
    return io.BytesIO(text.getvalue().encode("utf-8"))


def _records(source: io.BytesIO) -> int:
    """Data records as the csv module reads them back, blank lines left out."""
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(source.getvalue()), encoding="utf-8"))
    return sum(1 for row in list(reader)[1:] if row and row != [""])


@FEW
@given(st.lists(ROW, max_size=8))
def test_parsing_arbitrary_rows_accounts_for_every_record(rows):
    source = _csv(rows)
    results = list(imports.parse_rows(source, {"password-hash": 1}))

    assert len(results) == _records(source)
    lines = [r.line for r in results]
    assert lines == sorted(lines)
    for result in results:
        if isinstance(result, imports.BadRow):
            assert result.reason
            # Lines end as a text editor sees them: CRLF, LF, or a lone CR.
            assert 2 <= result.line <= len(re.findall(rb"\r\n|\r|\n", source.getvalue())) + 1


@pytest.mark.django_db
@FEWER
@given(good=st.lists(GOOD_ROW, max_size=5), bad=st.lists(ROW, max_size=5), data=st.data())
def test_good_rows_among_bad_ones_are_all_imported_and_counts_add_up(incident, good, bad, data):
    bad = [row for row in bad if len(row) != 4 or "@" not in row[0]]  # surely refused
    rows = data.draw(st.permutations(good + bad))
    source = _csv(rows)
    assume(_records(source) == len(rows))  # a lone "" row is a blank line, skipped
    method = data.draw(st.sampled_from(METHODS))

    with transaction.atomic():
        batch = ImportBatch.objects.create(
            incident=incident, original_name="list.csv", total_rows=len(rows)
        )
        batch = imports.import_batch_run(batch=batch, source=source, method=method)
        exposures = Exposure.objects.filter(incident=incident)
        imported = set(exposures.values_list("email_digest", flat=True))
        transaction.set_rollback(True)

    assert batch.state == ImportBatch.State.DONE
    assert {bytes(d) for d in imported} == {email_digest(row[0]) for row in good}
    assert batch.rejected_count == len(bad)
    counts = (
        batch.created_count,
        batch.updated_count,
        batch.unchanged_count,
        batch.rejected_count,
    )
    assert sum(counts) == len(rows)
    assert batch.rows_done == len(rows)


@pytest.mark.django_db
@pytest.mark.parametrize("method", METHODS)
def test_a_row_with_a_huge_cell_is_rejected_and_the_rest_imported(incident, method):
    source = _csv(
        [
            ["alice@example.com", "password-hash", "standard", ""],
            ["huge@example.com", "password-hash", "standard", "x" * 200_000],
            ["bob@example.com", "password-hash", "standard", ""],
        ]
    )
    batch = ImportBatch.objects.create(
        incident=incident, original_name="list.csv", total_rows=imports.import_file_check(source)
    )

    batch = imports.import_batch_run(batch=batch, source=source, method=method)

    assert batch.state == ImportBatch.State.DONE
    assert (batch.created_count, batch.rejected_count) == (2, 1)


def test_a_huge_first_line_is_refused_as_a_wrong_header():
    source = io.BytesIO(b'"' + b"x" * 200_000 + b'"\r\nalice@example.com,password-hash,,\r\n')

    with pytest.raises(ValidationError, match="The first line must be the header"):
        imports.import_file_check(source)


def test_campaign_addresses_are_read_past_a_huge_cell():
    source = _csv(
        [
            ["alice@example.com", "password-hash", "standard", ""],
            ["huge@example.com", "password-hash", "standard", "x" * 200_000],
            ["bob@example.com", "password-hash", "standard", ""],
        ]
    )

    assert list(imports.emails_in(source)) == ["alice@example.com", "bob@example.com"]


@pytest.mark.django_db
def test_rejected_rows_cannot_run_as_formulas_in_the_error_report(incident):
    source = _csv(
        [
            ["=cmd|'/C calc'!A0", "password-hash", "standard", ""],
            ["bad@example.com", '+HYPERLINK("https://evil.example/")', "standard", "@SUM(1)"],
        ]
    )
    batch = ImportBatch.objects.create(incident=incident, original_name="list.csv", total_rows=2)

    batch = imports.import_batch_run(batch=batch, source=source, method="orm")

    with batch.error_report.open("r") as report:
        rows = list(csv.DictReader(report))
    cells = [row[name] for row in rows for name in imports.HEADER]
    assert len(rows) == 2
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))]
    assert rows[0]["email"] == "'=cmd|'/C calc'!A0"  # still readable, as typed
