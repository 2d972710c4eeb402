"""Where an affected person lives: ISO 3166 codes, checked against pycountry's tables."""

from functools import cache

import pycountry
from django.utils.translation import gettext as _


@cache
def _subdivision_country(code: str) -> str | None:
    subdivision = pycountry.subdivisions.get(code=code)
    return subdivision.country_code if subdivision else None


@cache
def _is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def place_check(country: str = "", region: str = "") -> tuple[str, str] | str:
    """
    The (country, region) of a row, upper-cased, or the reason it is refused. Both may
    be empty; a region alone names its country; a region must lie in the country given.
    """
    country, region = country.strip().upper(), region.strip().upper()
    if country and (len(country) != 2 or not _is_country(country)):
        return _("unknown country code: %s (use ISO 3166-1 alpha-2, e.g. DE)") % country[:20]
    if not region:
        return country, ""
    in_country = _subdivision_country(region) if len(region) <= 6 else None
    if in_country is None:
        return _("unknown region code: %s (use ISO 3166-2, e.g. US-CA)") % region[:20]
    if country and in_country != country:
        return _("region %(region)s is not in country %(country)s") % {
            "region": region,
            "country": country,
        }
    return in_country, region
