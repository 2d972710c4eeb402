"""
Reading an affected-people CSV: the file check, and each row parsed and validated
into a GoodRow (email already a keyed digest) or a BadRow (with its reason).
"""

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import BinaryIO, NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from ...digest import email_normalise, normalised_email_digest_function
from ...models import Exposure, Tier
from .places import place_check

HEADER = ["email", "categories", "tier", "remedy_code"]
# Optional, in this order: where the person lives (ISO 3166-1 alpha-2, ISO 3166-2).
PLACE_COLUMNS = ["country", "region"]
HEADERS = [HEADER, HEADER + PLACE_COLUMNS[:1], HEADER + PLACE_COLUMNS]
REMEDY_CODE_MAX = Exposure._meta.get_field("remedy_code").max_length


class GoodRow(NamedTuple):
    # Tuples, not dataclasses: a million of them are made per million rows.
    line: int
    digest: bytes
    category_ids: tuple[int, ...]
    tier: str
    remedy_code: str
    country: str
    region: str


class BadRow(NamedTuple):
    line: int
    reason: str
    row: list[str]


def batched(rows: Iterable, size: int) -> Iterator[list]:
    # itertools.batched arrives in Python 3.12.
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def import_file_check(source: BinaryIO, *, max_bytes: int | None = None) -> int:
    """
    Refuse a file that cannot be imported at all; return its number of data rows.

    Reads the file once, streaming: it must be within `max_bytes`, be UTF-8
    (a byte-order mark is allowed) and start with the header
    `email,categories,tier,remedy_code`, optionally followed by `country` and
    `region`. Raises ValidationError with a message that says what to fix.
    """
    size = source.seek(0, io.SEEK_END)
    source.seek(0)
    if max_bytes is not None and size > max_bytes:
        raise ValidationError(
            _(
                "The file is %(size)s MB; the limit here is %(limit)s MB. "
                "Split it, or import it with the import_exposures command."
            )
            % {"size": size // 2**20, "limit": max_bytes // 2**20}
        )
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines = 0
    first = b""
    for lines, raw in enumerate(source, start=1):
        if lines == 1:
            first = raw
        try:
            decoder.decode(raw)
        except UnicodeDecodeError:
            source.seek(0)
            raise ValidationError(
                _(
                    "Line %(line)d is not UTF-8 text. "
                    "Save the file as “CSV UTF-8” and upload it again."
                )
                % {"line": lines}
            ) from None
    source.seek(0)
    header = next(_records(csv.reader([first.decode("utf-8-sig")])), [])
    header = header if isinstance(header, list) else []
    if [h.strip().lower() for h in header] not in HEADERS:
        raise ValidationError(
            _(
                "The first line must be the header “%(expected)s”, optionally followed by "
                "“,country” or “,country,region”; it is “%(found)s”."
            )
            % {"expected": ",".join(HEADER), "found": ",".join(header)[:200]}
        )
    return max(0, lines - 1)


# The common case of Django's EmailValidator (dot-atom local part, ASCII domain), in one
# compiled expression: a tenth of the validator's cost. Anything it does not accept (an
# internationalised domain, a quoted local part) goes to the validator itself.
_LOCAL = r"[-!#$%&'*+/=?^_`{}|~0-9a-z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9a-z]+)*"
# The last label is letters, as in Django's validator; "xn--" ones take the slow path.
_DOMAIN = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z-]{2,63}(?<!-)"
_PLAIN_EMAIL = re.compile(rf"{_LOCAL}@{_DOMAIN}")


def _email_is_valid(email: str, validate_email) -> bool:
    if len(email) <= 320 and _PLAIN_EMAIL.fullmatch(email):
        return True
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def parse_rows(source: BinaryIO, categories: dict[str, int]) -> Iterator[GoodRow | BadRow]:
    """
    Every data record of a checked file, in order, as a GoodRow or a BadRow; blank
    lines are left out. `categories` maps the incident's category slugs to their ids.
    """
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    # The header, checked by import_file_check; it says whether places follow.
    width = len(next(reader, None) or HEADER)
    validate_email = EmailValidator()
    digest = normalised_email_digest_function()
    tiers = set(Tier.values)
    # A file has few distinct category lists; each is parsed once.
    category_lists: dict[str, tuple[int, ...] | str] = {}
    places: dict[tuple[str, ...], tuple[str, str] | str] = {}
    try:
        for row in _records(reader):
            line = reader.line_num
            if isinstance(row, csv.Error):
                yield BadRow(line, _("unreadable row: %s") % row, [])
                continue
            if not row or row == [""]:
                continue
            if len(row) != width:
                reason = _("wrong column count: expected %(expected)d, found %(found)d") % {
                    "expected": width,
                    "found": len(row),
                }
                yield BadRow(line, reason, row)
                continue
            email = email_normalise(row[0])
            if not _email_is_valid(email, validate_email):
                yield BadRow(line, _("bad email address"), row)
                continue
            ids = category_lists.get(row[1])
            if ids is None:
                ids = category_lists[row[1]] = _category_ids(row[1], categories)
            if isinstance(ids, str):
                yield BadRow(line, ids, row)
                continue
            tier = row[2].strip().lower() or Tier.STANDARD
            if tier not in tiers:
                yield BadRow(line, _("unknown tier: %s") % tier, row)
                continue
            remedy_code = row[3].strip()
            if len(remedy_code) > REMEDY_CODE_MAX:
                reason = _("remedy code longer than %d characters") % REMEDY_CODE_MAX
                yield BadRow(line, reason, row)
                continue
            place = places.get(key := tuple(row[4:]))
            if place is None:
                place = places[key] = place_check(*key)
            if isinstance(place, str):
                yield BadRow(line, place, row)
                continue
            yield GoodRow(line, digest(email), ids, tier, remedy_code, *place)
    finally:
        text.detach()


def _records(reader) -> Iterator[list[str] | csv.Error]:
    """
    The reader's rows. A record it cannot read (a cell over the csv module's limit of
    128 KiB) comes as its error instead of ending the file: reading goes on after it.
    """
    while True:
        try:
            yield from reader
            return
        except csv.Error as error:
            yield error


def _category_ids(field: str, categories: dict[str, int]) -> tuple[int, ...] | str:
    """The sorted ids of a `;`-separated list of slugs, or the reason it is refused."""
    slugs = [s.strip() for s in field.split(";") if s.strip()]
    if not slugs:
        return _("no data category")
    unknown = [s for s in slugs if s not in categories]
    if unknown:
        return _("unknown category: %s") % ", ".join(unknown)
    return tuple(sorted({categories[s] for s in slugs}))


def emails_in(source: BinaryIO) -> Iterator[str]:
    """The normalised addresses of an imported file's rows, streamed (for campaigns)."""
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    try:
        reader = csv.reader(text)
        next(reader, None)
        for row in _records(reader):
            if isinstance(row, list) and len(row) >= len(HEADER) and "@" in row[0]:
                yield email_normalise(row[0])
    finally:
        text.detach()
