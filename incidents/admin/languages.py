"""The admin's fields for what is written in several languages (incidents/translation.py)."""

from django.contrib import admin, messages
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from modeltranslation import settings as translation_settings
from modeltranslation.utils import build_localized_fieldname, get_translation_fields

from ..localized import encode_behind

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


def language_name(code: str) -> str:
    return str(get_language_info(code)["name_translated"])


class TranslationBehindFilter(admin.SimpleListFilter):
    """Updates or FAQs whose translation predates the original's last correction."""

    title = _("translation")
    parameter_name = "behind"

    def lookups(self, request, model_admin):
        return [
            (code, _("Behind in %(language)s") % {"language": language_name(code)})
            for code in translation_settings.AVAILABLE_LANGUAGES
            if code != translation_settings.DEFAULT_LANGUAGE
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(translations_behind__contains=encode_behind([self.value()]))
        return queryset


class TranslationBehindMixin:
    """
    A column and a filter for translations behind their original, and a warning after a
    save that leaves one behind: its readers now get the corrected original instead.
    """

    @admin.display(description=_("Translation"), ordering="translations_behind")
    def translation_state(self, obj):
        if behind := obj.behind_languages:
            names = ", ".join(language_name(code) for code in behind)
            return _("Behind in %(languages)s") % {"languages": names}
        return _("Up to date")

    def warn_translation_behind(self, request, obj, before: list[str]):
        """After a save: `before` is what was behind until then."""
        if behind := [code for code in obj.behind_languages if code not in before]:
            names = ", ".join(language_name(code) for code in behind)
            self.message_user(
                request,
                _(
                    "The %(languages)s translation is now out of date: the original changed "
                    "and it did not. Until it is corrected, its readers see the new original "
                    "with a note that it is not translated yet."
                )
                % {"languages": names},
                messages.WARNING,
            )
