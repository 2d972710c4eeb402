"""
Canned replies in every language of settings.LANGUAGES (django-modeltranslation): a reply
to a question asked in Spanish is filled in Spanish, with English where none is written yet.
"""

from modeltranslation.translator import register

from incidents.translation import EnglishRequired

from .models import CannedResponse


@register(CannedResponse)
class CannedResponseTranslation(EnglishRequired):
    fields = ("body",)
