"""
The Spanish site speaks to its reader in one register, "usted", allauth's strings
included, and calls a passkey a "llave de acceso" wherever it names one. Checked on every
string of allauth's catalogue and ours as the site resolves it: with Spanish active,
through every catalogue Django merges (locale/, locale_overrides/, then the apps').
"""

import gettext
import re
from pathlib import Path

import allauth
import pytest
from django.conf import settings
from django.utils import translation

from tests.spanish import tu_forms

ROOT = Path(settings.BASE_DIR)
SPANISH = Path("es") / "LC_MESSAGES" / "django.mo"
ALLAUTH = Path(allauth.__file__).parent / "locale" / SPANISH
OURS = ROOT / "locale" / SPANISH
OVERRIDES = ROOT / "locale_overrides" / SPANISH


def keys(catalogue: Path) -> set:
    """The catalogue's entries: msgids, "context\\x04msgid" and (msgid, plural form)."""
    with catalogue.open("rb") as handle:
        return {key for key in gettext.GNUTranslations(handle)._catalog if key}


def in_spanish(key) -> list[str]:
    """What a Spanish page shows for the entry, whichever catalogue provides it."""
    with translation.override("es"):
        if isinstance(key, tuple):
            # 1, 2 and a million reach every plural form of Spanish's plural rules.
            return [translation.ngettext(key[0], key[0], n) for n in (1, 2, 1_000_000)]
        if "\x04" in key:
            return [translation.pgettext(*key.split("\x04"))]
        return [translation.gettext(key)]


@pytest.mark.parametrize("catalogue", [ALLAUTH, OURS], ids=["allauth", "ours"])
def test_spanish_says_usted_throughout(catalogue):
    familiar = {
        key: (text, found)
        for key in keys(catalogue)
        for text in in_spanish(key)
        if (found := tu_forms(text))
    }

    assert not familiar, "\n".join(
        f"{key!r}\n  -> {text!r}: {found}" for key, (text, found) in familiar.items()
    )


def test_a_passkey_is_a_llave_de_acceso_in_spanish():
    entries = keys(ALLAUTH) | keys(OURS)
    passkeys = [key for key in entries if "passkey" in str(key).lower()]

    texts = {key: text for key in passkeys for text in in_spanish(key)}
    assert len(texts) > 5
    named_otherwise = {
        key: text for key, text in texts.items() if not re.search("llaves? de acceso", text, re.I)
    }
    assert not named_otherwise
    english = [text for key in entries for text in in_spanish(key) if "passkey" in text.lower()]
    assert not english


def test_every_override_replaces_a_translation_of_allauth():
    overrides = keys(OVERRIDES)

    # A msgid allauth no longer has would override nothing; one of ours is read first.
    assert overrides <= keys(ALLAUTH), "allauth changed these msgids"
    assert not overrides & keys(OURS), "locale/ translates these; remove them from the overrides"


@pytest.mark.parametrize(
    "familiar",
    [
        "Envíame un código de inicio de sesión",
        "El código caduca en breve, así que introdúcelo pronto.",
        "Regístrate con una llave de acceso",
        "Si no ves el correo, comprueba tu carpeta de correo no deseado.",
        "No puedes generar códigos de recuperación.",
        "Has añadido 2 llaves de seguridad.",
        "No confíes",
        "Por favor selecciona solo uno.",
        "Introduce el código",
        "Para confirmar que es correcto, vete a la página.",
        "¿Recibiste el correo?",
    ],
)
def test_the_check_finds_tu(familiar):
    assert tu_forms(familiar)


@pytest.mark.parametrize(
    "formal",
    [
        "Envíeme un código de inicio de sesión",
        "Caduca en poco tiempo, así que introdúzcalo cuanto antes.",
        "Regístrese con una llave de acceso",
        "Si no ve el correo, revise su carpeta de correo no deseado.",
        "No existe ninguna cuenta con este teléfono; el límite es de tres intentos.",
        "Introduzca el código",
        "Ha añadido 2 llaves de seguridad.",
        "Estado de seguridad: el incidente está contenido y lo seguimos de cerca.",
        "No todas las preguntas tienen respuesta todavía; el equipo de TI las revisa.",
        "Chrome en Chrome OS",
    ],
)
def test_the_check_lets_usted_pass(formal):
    assert not tu_forms(formal)
