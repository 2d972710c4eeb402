"""
Campaigns in every language of settings.LANGUAGES (django-modeltranslation): each
recipient gets the words in their own language, English where none are written yet.
"""

from modeltranslation.translator import TranslationOptions, register

from .models import Campaign


@register(Campaign)
class CampaignTranslation(TranslationOptions):
    fields = ("subject", "body", "subject_priority", "body_priority")
    required_languages = {"en": ("subject", "body")}
    empty_values = None
