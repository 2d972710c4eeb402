import pytest

PASSWORD = "a-long-pass-phrase-2026"


@pytest.fixture
def dora(make_customer):
    """A customer whose address is confirmed."""
    return make_customer("dora@example.com", PASSWORD)
