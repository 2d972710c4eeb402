"""How many people an incident affected, where they live and what of theirs leaked."""

from collections import Counter
from dataclasses import dataclass, field

import pycountry
from django.db.models import Count

from ..models import DataCategory, Exposure, Incident


@dataclass(frozen=True)
class Place:
    country: str  # ISO 3166-1 alpha-2, "" when the list did not say
    region: str  # ISO 3166-2, "" when the list did not say
    people: int

    @property
    def name(self) -> str:
        if not self.country:
            return ""
        country = pycountry.countries.get(alpha_2=self.country)
        name = getattr(country, "name", self.country)
        if self.region:
            region = pycountry.subdivisions.get(code=self.region)
            return f"{name}, {getattr(region, 'name', self.region)}"
        return name


@dataclass(frozen=True)
class CategoryReach:
    slug: str
    name: str
    people: int  # people with data of this kind exposed: each is one record of it


@dataclass
class Reach:
    people: int = 0
    records: int = 0  # one per person and data category exposed
    places: list[Place] = field(default_factory=list)
    categories: list[CategoryReach] = field(default_factory=list)

    def people_in(self, *, countries=(), regions=()) -> int:
        """People living in any of these countries or regions (ISO codes)."""
        return sum(p.people for p in self.places if p.country in countries or p.region in regions)

    @property
    def countries(self) -> dict[str, int]:
        counts: Counter = Counter()
        for place in self.places:
            counts[place.country] += place.people
        return dict(counts)


def incident_reach(*, incident: Incident) -> Reach:
    """
    The incident's affected people counted per country and region and per data
    category, in two grouped queries: a million people cost two scans of their
    rows, not a million objects (a list has few distinct category sets).
    """
    exposures = Exposure.objects.filter(incident=incident).order_by()
    places = [
        Place(row["country"], row["region"], row["people"])
        for row in exposures.values("country", "region")
        .annotate(people=Count("*"))
        .order_by("-people", "country", "region")
    ]
    per_category: Counter = Counter()
    for row in exposures.values("category_ids").annotate(people=Count("*")):
        for category_id in row["category_ids"]:
            per_category[category_id] += row["people"]
    names = {c.id: c for c in DataCategory.objects.filter(id__in=per_category)}
    categories = [
        CategoryReach(names[i].slug, names[i].name, people)
        for i, people in per_category.most_common()
        if i in names
    ]
    return Reach(
        people=sum(p.people for p in places),
        records=sum(c.people for c in categories),
        places=places,
        categories=categories,
    )
