"""
Emails written before the private question link and remedy codes counted as secrets:
mark them secret (hidden in admin) and erase the bodies of those already sent or
given up, as the outbox now does when it sends them.
"""

from functools import reduce
from operator import or_

from django.db import migrations
from django.db.models import Q

FINISHED = ["sent", "failed"]
# Every private question link has this in its path, in any language.
PRIVATE_PATH = "/support/t/"


def secret_rows(apps):
    Notification = apps.get_model("notifications", "Notification")
    Campaign = apps.get_model("notifications", "Campaign")
    acknowledgements = Q(kind="support-acknowledgement") & (
        Q(body_text__contains=PRIVATE_PATH) | Q(body_html__contains=PRIVATE_PATH)
    )
    # Campaigns whose words name the code ({{ remedy_code }}, spaced or not): every
    # email of theirs may hold one, tests to staff included.
    fields = ("subject", "body", "subject_priority", "body_priority")
    names_code = reduce(or_, (Q(**{f"{field}__contains": "remedy_code"}) for field in fields))
    campaign_rows = [
        Q(group=f"campaign:{pk}")
        | Q(kind="campaign-test", dedupe_key__startswith=f"campaign-test:{pk}:")
        for pk in Campaign.objects.filter(names_code).values_list("pk", flat=True)
    ]
    return Notification.objects.filter(reduce(or_, campaign_rows, acknowledgements))


def mark_secrets(apps, schema_editor):
    rows = secret_rows(apps)
    rows.update(secret=True)
    rows.filter(status__in=FINISHED).update(body_text="", body_html="")


class Migration(migrations.Migration):
    dependencies = [("notifications", "0007_outbox_secrets")]

    # Going back keeps them secret: an erased body cannot come back.
    operations = [migrations.RunPython(mark_secrets, migrations.RunPython.noop)]
