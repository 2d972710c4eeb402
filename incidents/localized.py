"""
What the comms team writes, as one reader is shown it.

django-modeltranslation keeps a column per language (`incidents/translation.py`). Readers get
the text in their language; where it is not translated yet they get the English original,
marked as such, so pages can say so and tag it with its own `lang`.
"""

from django import forms
from modeltranslation import settings as translation_settings
from modeltranslation.translator import translator
from modeltranslation.utils import build_localized_fieldname, get_language, resolution_order

# The column of the languages whose translation is behind the original, where a model has it.
BEHIND = "translations_behind"


class LocalizedText(str):
    """
    A text as shown to one reader: a plain string (filters such as `markdown` take
    it as it is) that also knows the language it is in, and whether it is the
    original shown because the reader's language has no translation yet.
    """

    lang: str
    is_fallback: bool
    # The reader's language has a translation, but of the text before its last correction.
    is_behind: bool

    def __new__(cls, text: str, lang: str, *, is_fallback: bool = False, is_behind: bool = False):
        obj = super().__new__(cls, text)
        obj.lang = lang
        obj.is_fallback = is_fallback
        obj.is_behind = is_behind
        return obj


def text_pick(values: dict, field: str, language: str | None = None) -> LocalizedText:
    """
    `field` in `language` (by default the active one) from a row of `values` holding
    its columns (`title_en`, `title_es`), else in the first fallback language that has it.
    A translation that is behind its original (see `translations_behind`) is passed over.
    """
    language = language or get_language()
    behind = decode_behind(values.get(BEHIND))
    passed_over = False
    for code in resolution_order(language):
        text = values.get(build_localized_fieldname(field, code)) or ""
        if text and code in behind:
            passed_over = True
            continue
        if text:
            return LocalizedText(text, code, is_fallback=code != language, is_behind=passed_over)
    return LocalizedText("", language)


def decode_behind(stored: str | None) -> list[str]:
    """The language codes in a `translations_behind` column (",es,")."""
    return [code for code in (stored or "").split(",") if code]


def encode_behind(codes) -> str:
    """Stored with a comma on each side, so one language is found with `contains=",es,"`."""
    codes = sorted(set(codes))
    return f",{','.join(codes)}," if codes else ""


def translations_behind(previous, current, fields) -> str:
    """
    The `translations_behind` of `current`, a record being saved over `previous` (None when
    new): a translation falls behind when the original of any of `fields` changes and it
    does not; it is up to date again once it is rewritten, and an emptied translation is no
    longer behind (its readers get the original, as for any text not translated yet).
    """
    original = translation_settings.DEFAULT_LANGUAGE

    def changed(code):
        return previous is not None and any(
            (getattr(previous, build_localized_fieldname(f, code)) or "")
            != (getattr(current, build_localized_fieldname(f, code)) or "")
            for f in fields
        )

    def written(code):
        return any(getattr(current, build_localized_fieldname(f, code)) for f in fields)

    behind = set(decode_behind(getattr(previous, BEHIND, "")))
    original_changed = changed(original)
    for code in translation_settings.AVAILABLE_LANGUAGES:
        if code == original:
            continue
        if not written(code) or changed(code):
            behind.discard(code)
        elif original_changed:
            behind.add(code)
    return encode_behind(behind)


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

    @property
    def behind_languages(self) -> list[str]:
        """The languages whose translation was written before the original's last correction."""
        return decode_behind(getattr(self, BEHIND, ""))


class TranslatedChoiceField(forms.ModelChoiceField):
    """A choice of records (e.g. incidents) labelled in the reader's language."""

    def __init__(self, *args, label_field: str = "title", **kwargs):
        self.label_field = label_field
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return text_in(obj, self.label_field)
