"""The deadline regimes most breaches meet; more can be added in the admin."""

from django.db import migrations

REGIMES = [
    # name, authority, starts, hours, business days, months, notes
    ("GDPR Art. 33", "The lead supervisory authority", "awareness", 72, None, None,
     "Notify the authority without undue delay and, where feasible, within 72 hours."),
    ("NIS2 early warning", "The national CSIRT or competent authority", "awareness", 24, None, None,
     "Art. 23(4)(a): early warning within 24 hours of becoming aware."),
    ("NIS2 incident notification", "The national CSIRT or competent authority", "awareness", 72,
     None, None, "Art. 23(4)(b): incident notification within 72 hours."),
    ("NIS2 final report", "The national CSIRT or competent authority", "awareness", None, None, 1,
     "Art. 23(4)(d): final report within one month of the incident notification."),
    ("India CERT-In", "CERT-In", "awareness", 6, None, None,
     "CERT-In Directions of 28 April 2022: report within 6 hours of noticing."),
    ("RBI", "Reserve Bank of India", "awareness", 6, None, None,
     "Regulated entities report cyber incidents to the RBI within 6 hours of detection."),
    ("SEC Form 8-K Item 1.05", "U.S. Securities and Exchange Commission", "decision", None, 4,
     None, "Four business days from determining the incident is material."),
    ("HIPAA breach notification", "Affected individuals and HHS", "awareness", 60 * 24, None,
     None, "Without unreasonable delay, no later than 60 days from discovery."),
]  # fmt: skip


def seed(apps, schema_editor):
    Regime = apps.get_model("incidents", "Regime")
    for name, authority, starts, hours, business_days, months, notes in REGIMES:
        Regime.objects.get_or_create(
            name=name,
            defaults={
                "authority": authority,
                "starts": starts,
                "hours": hours,
                "business_days": business_days,
                "calendar_months": months,
                "notes": notes,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("incidents", "Regime").objects.filter(name__in=[r[0] for r in REGIMES]).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_regulatory_clocks")]
    operations = [migrations.RunPython(seed, unseed)]
