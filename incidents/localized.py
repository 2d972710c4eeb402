"""
What the comms team writes, as one reader is shown it.

django-modeltranslation keeps a column per language (`incidents/translation.py`). Readers get
the text in their language; where it is not translated yet they get the English original,
marked as such, so pages can say so and tag it with its own `lang`.
"""

from django import forms
from modeltranslation.translator import translator
from modeltranslation.utils import build_localized_fieldname, get_language, resolution_order


class LocalizedText(str):
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


def text_pick(values: dict, field: str, language: str | None = None) -> LocalizedText:
    """
    `field` in `language` (by default the active one) from a row of `values` holding
    its columns (`title_en`, `title_es`), else in the first fallback language that has it.
    """
    language = language or get_language()
    for code in resolution_order(language):
        text = values.get(build_localized_fieldname(field, code)) or ""
        if text:
            return LocalizedText(text, code, is_fallback=code != language)
    return LocalizedText("", language)


def text_in(obj, field: str, language: str | None = None) -> LocalizedText:
    """`obj.field` in `language` (by default the active one), else in its fallback;
    `obj` may be a record or one of its versions from the history."""
    return text_pick(_FieldsOf(obj), field, language)


def translated_fields(model) -> tuple[str, ...]:
    """The fields of `model` (or of its historical model) kept in every language."""
    model = getattr(model, "instance_type", model)  # a historical model: its record's
    return tuple(translator.get_options_for_model(model).fields)


class _FieldsOf:
    def __init__(self, obj):
        self._obj = obj

    def get(self, name, default=None):
        return getattr(self._obj, name, default)


class Translated:
    """`obj.translated.title` in templates: the field in the reader's language."""

    def __init__(self, obj):
        self._obj = obj
        self._fields = translated_fields(type(obj))

    def __getattr__(self, field):
        if field.startswith("_") or field not in self._fields:
            raise AttributeError(field)
        return text_in(self._obj, field)

    @property
    def is_fallback(self) -> bool:
        """Any of its texts is shown untranslated."""
        return any(text_in(self._obj, field).is_fallback for field in self._fields)


class TranslatableMixin:
    @property
    def translated(self) -> Translated:
        return Translated(self)


class TranslatedChoiceField(forms.ModelChoiceField):
    """A choice of records (e.g. incidents) labelled in the reader's language."""

    def __init__(self, *args, label_field: str = "title", **kwargs):
        self.label_field = label_field
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return text_in(obj, self.label_field)
