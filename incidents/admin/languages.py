"""The admin's fields for what is written in several languages (incidents/translation.py)."""

from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from modeltranslation import settings as translation_settings
from modeltranslation.utils import build_localized_fieldname, get_translation_fields

# Search an incident by its title in any language, from a record that points at it.
INCIDENT_TITLE = [f"incident__{name}" for name in get_translation_fields("title")]


def in_english(*fields: str) -> list[str]:
    """The original texts' columns (`title_en`), where the comms team writes first."""
    return [build_localized_fieldname(f, translation_settings.DEFAULT_LANGUAGE) for f in fields]


# What the comms team reads above a language's texts; a language without words of its own
# here is named as Django names it.
LANGUAGE_FIELDSETS = {
    "es": {
        "title": _("In Spanish"),
        "description": _(
            "Spanish readers see these texts; where one is empty they see the "
            "English text, with a note that it is not translated yet."
        ),
    },
}


def in_other_languages(*fields: str) -> list[tuple]:
    """A fieldset per language but English, with the translations of `fields`."""
    return [
        (
            LANGUAGE_FIELDSETS.get(code, {}).get("title")
            or get_language_info(code)["name_translated"],
            {
                "description": LANGUAGE_FIELDSETS.get(code, {}).get("description", ""),
                "fields": [build_localized_fieldname(f, code) for f in fields],
            },
        )
        for code in translation_settings.AVAILABLE_LANGUAGES
        if code != translation_settings.DEFAULT_LANGUAGE
    ]
