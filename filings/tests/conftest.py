import pytest

from incidents.digest import email_digest
from incidents.models import Exposure


@pytest.fixture
def affected(incident, category):
    """Adds affected people to the incident: affected(n, country, region)."""
    made = iter(range(10**6))

    def add(people: int, country: str = "", region: str = "") -> None:
        Exposure.objects.bulk_create(
            Exposure(
                incident=incident,
                email_digest=email_digest(f"person{next(made)}@example.com"),
                category_ids=[category.pk],
                country=country,
                region=region,
            )
            for _ in range(people)
        )

    return add
