"""Data categories keep no versions: their admin history page is Django's own, and opens."""

from http import HTTPStatus

import pytest
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.django_db


def test_the_history_of_a_data_category_opens(staff_client, category):
    response = staff_client.get(
        reverse("admin:incidents_datacategory_history", args=[category.pk])
    )

    assert response.status_code == HTTPStatus.OK


def test_a_data_category_has_no_version_pages(staff_client, category):
    with pytest.raises(NoReverseMatch):
        reverse("admin:incidents_datacategory_simple_history", args=[category.pk, 1])
