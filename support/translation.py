"""
Canned replies in every language of settings.LANGUAGES (django-modeltranslation): a reply
to a question asked in Spanish is filled in Spanish, with English where none is written yet.
"""

from modeltranslation.translator import TranslationOptions, register

from .models import CannedResponse


@register(CannedResponse)
class CannedResponseTranslation(TranslationOptions):
    fields = ("body",)
    required_languages = ("en",)
    empty_values = None
