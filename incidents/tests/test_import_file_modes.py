"""
Uploaded affected-people lists and their error reports hold personal data: on disk
only their owner and its group may read them (files 0640, folders 0750).
"""

import stat
from pathlib import Path

from django.conf import settings

from incidents.models import ImportBatch
from tests.helpers import wait_for

from .test_import_admin import GOOD_AND_BAD, finished, upload


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_uploaded_list_and_its_error_report_are_not_world_readable(
    celery_worker, staff_client, incident
):
    upload(staff_client, incident, GOOD_AND_BAD)
    batch = ImportBatch.objects.get()
    assert wait_for(lambda: finished(batch))

    media = Path(settings.MEDIA_ROOT)
    for field in (batch.file, batch.error_report):
        path = Path(field.path)
        assert mode(path) == 0o640, field.name
        for folder in path.relative_to(media).parents[:-1]:
            assert mode(media / folder) == 0o750, folder
