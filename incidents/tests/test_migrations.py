"""
The move to django-modeltranslation's columns (migrations 0010 and 0011) keeps every
English and Spanish text of the demo, in the records and in every version of their history.
"""

from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portal.demo import demo_seed
from portal.demo_es import CATEGORIES_ES, FAQS_ES, INCIDENT_ES, UPDATES_ES

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("incidents", "0009_spanish_translations")]
TEXTS = {
    "datacategory": ["name", "advice"],
    "incident": ["title", "summary", "what_happened", "what_information", "what_we_are_doing",
                 "what_you_can_do", "more_information", "message_standard", "message_priority",
                 "remedy_instructions"],
    "update": ["body"],
    "faq": ["question", "answer"],
}  # fmt: skip
MODELS = [*TEXTS, "historicalincident", "historicalupdate", "historicalfaq"]


def fields_of(model_name):
    return TEXTS[model_name.removeprefix("historical")]


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def texts(apps, *, english, spanish):
    """Every row's texts, as {(model, pk, field): (English, Spanish)}; empty is ''."""
    out = {}
    for model_name in MODELS:
        model = apps.get_model("incidents", model_name)
        for row in model._base_manager.all():
            for field in fields_of(model_name):
                out[model_name, row.pk, field] = (
                    getattr(row, english.format(field)) or "",
                    getattr(row, spanish.format(field)) or "",
                )
    return out


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    # The regulators' regimes come from a data migration, which an earlier transactional
    # test's flush may have removed; the demo's deadlines need them.
    import_module("incidents.migrations.0004_seed_regimes").seed(django_apps, None)
    demo_seed()
    # The demo's data as the columns hold it today, the versions of its history included.
    return texts(migrate(latest()), english="{}_en", spanish="{}_es")


@pytest.fixture
def before(demo):
    """The demo as it was stored before the move: English in `title`, Spanish in `title_es`."""
    apps = migrate(BEFORE)
    yield apps
    migrate(latest())


def test_the_demo_has_both_languages_to_move(demo):
    english = {value for (english, _spanish) in demo.values() for value in [english] if value}
    spanish = {value for (_english, spanish) in demo.values() for value in [spanish] if value}

    assert "Unauthorised access to customer account data" in english
    assert {INCIDENT_ES["title_es"], UPDATES_ES["contained"], CATEGORIES_ES["phone"][0],
            FAQS_ES["Was my password exposed?"][1]} <= spanish  # fmt: skip
    assert any(model.startswith("historical") for (model, _pk, _field) in demo)


def test_going_back_puts_english_in_the_original_columns(demo, before):
    assert texts(before, english="{}", spanish="{}_es") == demo


def test_the_move_keeps_every_english_and_spanish_text(demo, before):
    after = migrate(latest())

    assert texts(after, english="{}_en", spanish="{}_es") == demo
