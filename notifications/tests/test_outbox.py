import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from notifications.models import Notification
from notifications.services import outbox
from notifications.tasks import notifications_sweep

pytestmark = pytest.mark.django_db


def enqueue(n=1, *, to="person{n}@example.com", key="test:{n}"):
    return [
        outbox.notification_enqueue(
            dedupe_key=key.format(n=i),
            kind="test",
            to_email=to.format(n=i),
            subject=f"Update {i}",
            body_text=f"Plain text {i}",
            body_html=f"<p>HTML {i}</p>",
        )
        for i in range(n)
    ]


def refuse(sink, addresses, reply):
    """Make the sink refuse some recipients with an SMTP reply such as '550 no such user'."""

    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        if address in addresses:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    sink.handle_RCPT = handle_RCPT


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # nothing listens here
    settings.EMAIL_TIMEOUT = 2


def test_enqueueing_twice_with_one_key_sends_once(smtp_sink):
    enqueue(1)
    enqueue(1)

    assert outbox.notifications_send_due() == 1
    assert outbox.notifications_send_due() == 0
    assert len(smtp_sink.wait_for(1)) == 1
    assert Notification.objects.get().status == Notification.Status.SENT


def test_enqueueing_is_one_insert(django_assert_num_queries, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as sends, django_assert_num_queries(1):
        [notification] = enqueue(1)

    assert Notification.objects.get().pk == notification.pk
    assert notification.created_at is not None
    assert len(sends) == 1  # a worker is asked to send it


def test_enqueueing_a_known_key_returns_the_first_row_unchanged_and_asks_for_no_send(
    django_capture_on_commit_callbacks,
):
    [first] = enqueue(1)

    with django_capture_on_commit_callbacks() as sends:
        again = outbox.notification_enqueue(
            dedupe_key="test:0", kind="test", to_email="other@example.com", subject="Other",
            body_text="Other",
        )  # fmt: skip

    assert again.pk == first.pk
    assert (again.to_email, again.subject) == ("person0@example.com", "Update 0")
    assert Notification.objects.count() == 1
    assert sends == []


def test_each_email_has_a_text_and_an_html_part_and_a_stable_message_id(smtp_sink):
    [notification] = enqueue(1)

    outbox.notifications_send_due()

    [message] = smtp_sink.wait_for(1)
    assert message["Message-ID"] == outbox.message_id(notification)
    assert smtp_sink.text(message).strip() == "Plain text 0"
    assert "<p>HTML 0</p>" in message.get_body(preferencelist=("html",)).get_content()


def test_a_batch_is_sent_and_marked(smtp_sink):
    enqueue(5)

    sent = outbox.notifications_send_due(limit=100)

    assert sent == 5
    assert len(smtp_sink.wait_for(5)) == 5
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert Notification.objects.filter(sent_at__isnull=True).count() == 0


def test_an_address_the_server_refuses_is_failed_with_the_reason_and_not_retried(smtp_sink):
    enqueue(3)
    refuse(smtp_sink, {"person1@example.com"}, "550 5.1.1 No such user")

    outbox.notifications_send_due()

    failed = Notification.objects.get(to_email="person1@example.com")
    assert failed.status == Notification.Status.FAILED
    assert "550" in failed.last_error
    assert Notification.objects.filter(status="sent").count() == 2
    assert outbox.notifications_send_due() == 0


def test_a_temporary_refusal_is_retried_later_with_backoff(smtp_sink):
    [notification] = enqueue(1)
    refuse(smtp_sink, {"person0@example.com"}, "451 4.3.0 Try again later")

    outbox.notifications_send_due()

    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 1
    assert notification.next_attempt_at > timezone.now()
    assert outbox.notifications_send_due() == 0  # not due yet

    del smtp_sink.handle_RCPT
    with time_machine.travel(notification.next_attempt_at + dt.timedelta(seconds=1)):
        assert outbox.notifications_send_due() == 1
    assert len(smtp_sink.wait_for(1)) == 1


def test_mail_waits_while_the_smtp_server_is_down_and_goes_out_when_it_is_back(
    settings, smtp_sink
):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nothing listens here
    enqueue(2)

    assert outbox.notifications_send_due() == 0

    assert set(Notification.objects.values_list("status", flat=True)) == {"pending"}
    settings.EMAIL_PORT = port
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        assert outbox.notifications_send_due() == 2
    assert len(smtp_sink.wait_for(2)) == 2


def test_delays_grow_exponentially(smtp_down):
    [notification] = enqueue(1)
    delays = []
    for _ in range(3):
        with time_machine.travel(notification.next_attempt_at, tick=False):
            outbox.notifications_send_due()
            notification.refresh_from_db()
            delays.append((notification.next_attempt_at - timezone.now()).total_seconds())

    assert delays == [30, 60, 120]


def test_it_gives_up_after_the_last_attempt(smtp_down):
    [notification] = enqueue(1)
    for _ in range(outbox.MAX_ATTEMPTS):
        with time_machine.travel(notification.next_attempt_at, tick=False):
            outbox.notifications_send_due()
        notification.refresh_from_db()

    assert notification.status == Notification.Status.FAILED
    assert notification.last_error.startswith("gave up")


def test_the_sweep_resends_what_a_dead_worker_claimed_with_the_same_message_id(smtp_sink):
    [notification] = enqueue(1)
    outbox.notifications_claim(limit=10)  # the worker claimed it, then died

    assert outbox.notifications_send_due() == 0
    with time_machine.travel(timezone.now() + outbox.STALE_CLAIM + dt.timedelta(seconds=1)):
        notifications_sweep()  # runs the send task eagerly when there is no broker
        if Notification.objects.get().status != "sent":
            outbox.notifications_send_due()

    [message] = smtp_sink.wait_for(1)
    assert message["Message-ID"] == outbox.message_id(notification)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_never_claim_the_same_row():
    enqueue(4)
    first_id = Notification.objects.order_by("id").values_list("id", flat=True).first()
    locked = threading.Event()
    release = threading.Event()

    def other_worker():
        # Another worker's transaction holds the first row.
        with connections["default"].cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(
                "SELECT id FROM notifications_notification WHERE id = %s FOR UPDATE", [first_id]
            )
            locked.set()
            release.wait(10)
            cursor.execute("ROLLBACK")
        connections["default"].close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    locked.wait(10)
    try:
        claimed = outbox.notifications_claim(limit=10)
    finally:
        release.set()
        thread.join()

    assert first_id not in [n.pk for n in claimed]
    assert len(claimed) == 3
