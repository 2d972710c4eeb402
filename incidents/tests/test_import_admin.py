from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from incidents.models import Exposure, ImportBatch
from incidents.tasks import import_batches_sweep
from tests.helpers import wait_for

GOOD_AND_BAD = (
    b"email,categories,tier,remedy_code\r\n"
    b"alice@example.com,password-hash,priority,CODE-1\r\n"
    b"bob@,password-hash,standard,\r\n"
    b"carol@example.com,password-hash,standard,\r\n"
)


def upload(staff_client, incident, content, name="affected.csv"):
    return staff_client.post(
        reverse("admin:incidents_importbatch_add"),
        {"incident": incident.pk, "file": SimpleUploadedFile(name, content, "text/csv")},
    )


def finished(batch):
    batch.refresh_from_db()
    return batch.is_finished


def test_comms_team_uploads_the_affected_list_and_it_is_imported(
    celery_worker, staff_client, incident
):
    response = upload(staff_client, incident, GOOD_AND_BAD)

    assert response.status_code == HTTPStatus.FOUND
    batch = ImportBatch.objects.get()
    assert wait_for(lambda: finished(batch))
    assert (batch.state, batch.created_count, batch.rejected_count) == ("done", 2, 1)
    assert batch.created_by == staff_client.user
    assert Exposure.objects.count() == 2


def test_the_progress_and_error_report_are_shown_to_staff(celery_worker, staff_client, incident):
    upload(staff_client, incident, GOOD_AND_BAD)
    batch = ImportBatch.objects.get()
    wait_for(lambda: finished(batch))

    progress = staff_client.get(
        reverse("admin:incidents_importbatch_progress", args=[batch.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    report = staff_client.get(reverse("admin:incidents_importbatch_errors", args=[batch.pk]))

    assert "3 of 3 rows" in progress
    assert "hx-trigger" not in progress  # finished: no more polling
    assert report["Content-Disposition"].startswith("attachment")
    assert b"3,bad email address,bob@" in b"".join(report.streaming_content)


@pytest.mark.django_db
def test_progress_polls_while_the_import_runs(staff_client, incident):
    batch = ImportBatch.objects.create(
        incident=incident, original_name="x.csv", total_rows=200, rows_done=50, state="running"
    )

    progress = staff_client.get(
        reverse("admin:incidents_importbatch_progress", args=[batch.pk])
    ).content.decode()

    assert "50 of 200 rows" in progress
    assert 'value="25"' in progress
    assert 'hx-trigger="every 1s"' in progress


@pytest.mark.django_db
def test_the_error_report_is_not_public(client, incident):
    batch = ImportBatch.objects.create(incident=incident, original_name="x.csv")

    response = client.get(reverse("admin:incidents_importbatch_errors", args=[batch.pk]))

    assert response.status_code == HTTPStatus.FOUND
    assert "/login/" in response["Location"]


@pytest.mark.django_db
def test_an_upload_with_a_wrong_header_is_refused_on_the_form(staff_client, incident):
    response = upload(staff_client, incident, b"name,email\r\nAlice,alice@example.com\r\n")

    assert response.status_code == HTTPStatus.OK
    assert "must be the header" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_an_upload_that_is_not_utf8_is_refused_on_the_form(staff_client, incident):
    content = "email,categories,tier,remedy_code\r\nzoë@example.com,phone,,\r\n".encode("cp1252")

    response = upload(staff_client, incident, content)

    assert "Line 2 is not UTF-8" in response.content.decode()


@pytest.mark.django_db
def test_an_upload_over_the_size_limit_is_refused(staff_client, incident, settings):
    settings.EXPOSURE_IMPORT_MAX_BYTES = 20

    response = upload(staff_client, incident, GOOD_AND_BAD)

    assert "the limit here is" in response.content.decode()


def test_the_sweep_runs_an_import_whose_task_was_lost(celery_worker, incident, staff_client):
    batch = ImportBatch.objects.create(incident=incident, original_name="lost.csv", total_rows=3)
    batch.file.save("lost.csv", SimpleUploadedFile("lost.csv", GOOD_AND_BAD))
    ImportBatch.objects.filter(pk=batch.pk).update(updated_at="2020-01-01T00:00:00Z")

    import_batches_sweep.delay()

    assert wait_for(lambda: finished(batch))
    assert batch.created_count == 2


@pytest.mark.django_db
def test_the_command_imports_a_large_file_with_progress(incident, tmp_path, capsys):
    path = tmp_path / "affected.csv"
    path.write_bytes(GOOD_AND_BAD)

    call_command("import_exposures", incident.slug, str(path))

    output = capsys.readouterr().out
    assert "3/3 rows" in output
    assert "2 new, 0 updated, 0 unchanged, 1 rejected" in output
    assert Exposure.objects.count() == 2


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_incident(tmp_path):
    path = tmp_path / "affected.csv"
    path.write_bytes(GOOD_AND_BAD)

    with pytest.raises(CommandError, match="No incident"):
        call_command("import_exposures", "nope", str(path))
