"""
What the comms team writes, in every language of settings.LANGUAGES (django-modeltranslation).

Each field named here gets a column per language, `<field>_<code>` (`title_en`, `title_es`);
English is the original and the fallback. `incidents/localized.py` reads them for a reader.
"""

import simple_history
from modeltranslation.translator import TranslationOptions, register

from .models import FAQ, DataCategory, Incident, Update


class EnglishRequired(TranslationOptions):
    # The original's rules hold for English; every other language may be left empty.
    required_languages = ("en",)
    # An empty text is NULL, from a form as from code (a column's default), so saving a
    # form unchanged changes nothing.
    empty_values = None


@register(DataCategory)
class DataCategoryTranslation(EnglishRequired):
    fields = ("name", "advice")


# In the order the admin shows them (modeltranslation keeps a registration's fields as a set).
INCIDENT_TEXTS = (
    "title",
    "summary",
    "what_happened",
    "what_information",
    "what_we_are_doing",
    "what_you_can_do",
    "more_information",
    "message_standard",
    "message_priority",
    "remedy_instructions",
)


@register(Incident)
class IncidentTranslation(EnglishRequired):
    fields = INCIDENT_TEXTS


@register(Update)
class UpdateTranslation(EnglishRequired):
    fields = ("body",)


@register(FAQ)
class FAQTranslation(EnglishRequired):
    fields = ("question", "answer")


# The versions are recorded here, not in models.py, so that the historical models are
# built after the columns above exist and keep every language of every version
# (django-simple-history's recipe for django-modeltranslation).
simple_history.register(Incident, excluded_fields=["updated_at"])
simple_history.register(Update)
simple_history.register(FAQ, excluded_fields=["updated_at"])
