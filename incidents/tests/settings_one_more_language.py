"""The site's settings with one more language: adding one is all it takes (test_translation)."""

from portal.settings import *  # noqa: F403
from portal.settings import LANGUAGES

LANGUAGES = [*LANGUAGES, ("fr", "Français")]
