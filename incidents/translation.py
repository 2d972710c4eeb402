"""
Translations of what the comms team writes: incidents, updates, FAQs, data categories.

Each translatable field `f` has a sibling `f_es` (one per extra language in
settings.LANGUAGES). Readers get the text in their language; where it has not
been translated yet they get the original, marked as a fallback so pages can
say so and tag it with its own `lang`.
"""

from django import forms
from django.conf import settings
from django.utils import translation


class Text(str):
    """
    A text as shown to one reader: a plain string (filters such as `markdown` take
    it as it is) that also knows the language it is in, and whether it is the
    original shown because the reader's language has no translation yet.
    """

    lang: str
    is_fallback: bool

    def __new__(cls, text: str, lang: str, *, is_fallback: bool = False):
        obj = super().__new__(cls, text)
        obj.lang = lang
        obj.is_fallback = is_fallback
        return obj


def translated_languages() -> list[str]:
    """The languages content can be translated into: every one but the original's."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def translated_field_names(fields) -> list[str]:
    """The fields and their translations, e.g. for `.values()` or `.only()`."""
    return [*fields, *(f"{f}_{code}" for f in fields for code in translated_languages())]


def text_pick(values: dict, field: str, language: str | None = None) -> Text:
    """`values[field]` in `language` (by default the active one), else the original."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    original = values[field] or ""
    if language != settings.LANGUAGE_CODE:
        translated = values.get(f"{field}_{language}") or ""
        if translated:
            return Text(translated, language)
        return Text(original, settings.LANGUAGE_CODE, is_fallback=bool(original))
    return Text(original, settings.LANGUAGE_CODE)


def text_in(obj, field: str, language: str | None = None) -> Text:
    """`obj.field` in `language` (by default the active one), else the original."""
    return text_pick(_FieldsOf(obj), field, language)


class _FieldsOf:
    def __init__(self, obj):
        self._obj = obj

    def __getitem__(self, name):
        return getattr(self._obj, name)

    def get(self, name, default=None):
        return getattr(self._obj, name, default)


class Translated:
    """`obj.translated.title` in templates: the field in the reader's language."""

    def __init__(self, obj, fields: tuple[str, ...]):
        self._obj = obj
        self._fields = fields

    def __getattr__(self, field):
        if field.startswith("_") or field not in self._fields:
            raise AttributeError(field)
        return text_in(self._obj, field)

    @property
    def is_fallback(self) -> bool:
        """Any of its texts is shown untranslated."""
        return any(text_in(self._obj, field).is_fallback for field in self._fields)


class TranslatableMixin:
    translatable_fields: tuple[str, ...] = ()

    @property
    def translated(self) -> Translated:
        return Translated(self, self.translatable_fields)


class TranslatedChoiceField(forms.ModelChoiceField):
    """A choice of records (e.g. incidents) labelled in the reader's language."""

    def __init__(self, *args, label_field: str = "title", **kwargs):
        self.label_field = label_field
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return text_in(obj, self.label_field)
