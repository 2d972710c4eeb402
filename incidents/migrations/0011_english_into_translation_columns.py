"""
The English texts move to their own column (`title` → `title_en`), beside the Spanish ones
that were already there (`title_es`), in the records and in every version of their history.
An empty text becomes NULL, as django-modeltranslation writes it.

Backwards, English goes back to the original column and an empty Spanish text is '' again,
as the columns were before.
"""

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf

# As they were when this was written: a later language or field is not this migration's.
TRANSLATED = {
    "datacategory": ["name", "advice"],
    "incident": [
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
    ],
    "update": ["body"],
    "faq": ["question", "answer"],
}
VERSIONED = ["incident", "update", "faq"]


def _models(apps):
    for name, fields in TRANSLATED.items():
        yield apps.get_model("incidents", name), fields
        if name in VERSIONED:
            yield apps.get_model("incidents", f"historical{name}"), fields


def english_into_its_column(apps, schema_editor):
    for model, fields in _models(apps):
        model._base_manager.update(
            **{f"{field}_en": NullIf(F(field), Value("")) for field in fields},
            **{f"{field}_es": NullIf(F(f"{field}_es"), Value("")) for field in fields},
        )


def english_back_into_the_original(apps, schema_editor):
    for model, fields in _models(apps):
        model._base_manager.update(
            **{field: Coalesce(F(f"{field}_en"), F(field)) for field in fields},
            **{f"{field}_es": Coalesce(F(f"{field}_es"), Value("")) for field in fields},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0010_translation_columns"),
    ]

    operations = [
        migrations.RunPython(english_into_its_column, english_back_into_the_original),
    ]
