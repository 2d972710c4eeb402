"""core.tasks: handing work to Celery once transactions commit, and holding it back."""

from unittest import mock

import pytest
from django.db import transaction

from core import tasks

pytestmark = pytest.mark.django_db(transaction=True)

SEND = "notifications.tasks.notifications_send"
FANOUT = "notifications.tasks.campaign_fanout"


@pytest.fixture
def queued():
    """The tasks handed to the broker, by name and arguments."""
    calls = []
    with mock.patch.object(tasks, "delay_or_defer", lambda task, *a: calls.append((task.name, a))):
        yield calls


def test_each_commit_queues_its_task_at_once(queued):
    for _ in range(3):
        with transaction.atomic():
            tasks.enqueue_on_commit(SEND)

    assert queued == [(SEND, ())] * 3


def test_held_tasks_are_queued_once_each_when_the_block_ends(queued):
    with tasks.enqueue_held():
        for campaign_id in (1, 2, 1):
            with transaction.atomic():
                tasks.enqueue_on_commit(SEND)
                tasks.enqueue_on_commit(FANOUT, campaign_id)
        assert queued == []

    assert queued == [(SEND, ()), (FANOUT, (1,)), (FANOUT, (2,))]


def test_a_rolled_back_transaction_queues_nothing_while_held(queued):
    with tasks.enqueue_held(), pytest.raises(RuntimeError), transaction.atomic():
        tasks.enqueue_on_commit(FANOUT, 1)
        raise RuntimeError

    assert queued == []


def test_what_committed_is_queued_when_the_block_ends_in_an_error(queued):
    with pytest.raises(RuntimeError), tasks.enqueue_held():
        with transaction.atomic():
            tasks.enqueue_on_commit(SEND)
        raise RuntimeError

    assert queued == [(SEND, ())]
    with transaction.atomic():  # and the hold is over
        tasks.enqueue_on_commit(SEND)
    assert queued == [(SEND, ())] * 2
