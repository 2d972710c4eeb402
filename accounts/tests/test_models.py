import pytest
from django.db import IntegrityError

pytestmark = pytest.mark.django_db


def test_users_sign_in_with_their_email(client, django_user_model):
    django_user_model.objects.create_user("carol@example.com", "a-long-enough-password")

    assert client.login(email="carol@example.com", password="a-long-enough-password")


def test_an_email_in_another_case_is_the_same_person(django_user_model):
    django_user_model.objects.create_user("carol@example.com", "x")

    with pytest.raises(IntegrityError):
        django_user_model.objects.create_user("Carol@Example.com", "x")


def test_staff_can_be_created_from_the_command_line(django_user_model):
    admin = django_user_model.objects.create_superuser("boss@example.com", "x")

    assert admin.is_staff
    assert admin.is_superuser
