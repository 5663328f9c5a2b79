"""The import tasks: they run the dry run or the commit as the archivist who started it, in
his language, and return quietly when the batch or the user is gone."""

from __future__ import annotations

import csv
import io

import pytest

from customers.importing import services
from customers.models import Customer, ImportBatch
from customers.tasks import import_check_task, import_commit_task

pytestmark = pytest.mark.django_db


def upload(archivist) -> ImportBatch:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["姓名", "手机"])
    writer.writerows([["周建国", "13912345678"], ["吴志强", "13987654321"]])
    batch = services.import_upload(
        actor=archivist, file_name="customers.csv", content=buffer.getvalue().encode()
    )
    # mapped, the dry run not started: the task is what runs it
    return services.import_map(actor=archivist, batch=batch, mapping=batch.mapping, start=False)


def test_the_check_task_runs_the_dry_run_and_the_commit_task_writes(archivist):
    batch = upload(archivist)
    assert batch.status == ImportBatch.Status.CHECKING

    assert import_check_task(batch.pk, archivist.pk, "en") is True
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED
    assert batch.rows.count() == 2 and not Customer.objects.exists()

    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.COMMITTING)
    assert import_commit_task(batch.pk, archivist.pk, "en") is True
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED and batch.committed_by == archivist
    assert set(Customer.objects.values_list("name", flat=True)) == {"周建国", "吴志强"}


def test_a_failed_dry_run_leaves_the_reason_in_the_starters_language(archivist):
    batch = upload(archivist)
    import_check_task(batch.pk, archivist.pk, "en")

    # a duplicated delivery of the task finds the batch no longer waiting for a dry run;
    # the task ran (True), the failure is on the batch for the archivist to read
    assert import_check_task(batch.pk, archivist.pk, "zh-hans") is True

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.error == "本次导入不处于待预检状态。"


def test_the_tasks_run_as_the_user_who_started_them(manager, archivist):
    batch = upload(archivist)

    # a sales manager may not import: the dry run fails and nothing is checked
    assert import_check_task(batch.pk, manager.pk, "en") is True
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and not batch.rows.exists()


def test_the_tasks_return_quietly_when_the_batch_or_the_user_is_gone(archivist):
    batch = upload(archivist)

    assert import_check_task(987654, archivist.pk) is False
    assert import_check_task(batch.pk, 987654) is False
    assert import_commit_task(987654, archivist.pk) is False
    assert import_commit_task(batch.pk, 987654) is False

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKING and not batch.rows.exists()
    assert not Customer.objects.exists()
