"""
Canned replies in every language of settings.LANGUAGES (django-modeltranslation): a reply
to a question asked in Spanish is filled in Spanish, with English where none is written yet.
"""

from modeltranslation.translator import TranslationOptions, register

from incidents.translation import EnglishRequired

from .models import BulkAnswer, CannedResponse, Macro


@register(CannedResponse)
class CannedResponseTranslation(EnglishRequired):
    fields = ("body",)


@register(Macro)
class MacroTranslation(TranslationOptions):
    # Every language may be empty: the canned response's text is sent then.
    fields = ("body",)


@register(BulkAnswer)
class BulkAnswerTranslation(EnglishRequired):
    fields = ("body",)
