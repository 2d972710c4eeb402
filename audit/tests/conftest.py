"""The affected people the audit trail tests import."""

import pytest

AFFECTED = (
    "email,categories,tier,remedy_code\r\n"
    "std1@example.com,password-hash,standard,\r\n"
    "vip@example.com,password-hash,priority,CM-9999\r\n"
)


@pytest.fixture
def affected(import_affected):
    """Two affected people, imported from a file as the admin would."""
    return import_affected(AFFECTED)
