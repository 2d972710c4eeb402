import pytest
from allauth.account.models import EmailAddress

PASSWORD = "a-long-pass-phrase-2026"


@pytest.fixture
def dora(django_user_model):
    """A customer whose address is confirmed."""
    user = django_user_model.objects.create_user("dora@example.com", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user
