"""
Questions by email: the support mailbox on a real IMAP server (Dovecot, started for
this module), read by the same poll the beat schedule runs, into the real database.
"""

from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from unittest import mock

import pytest
from django.core import mail as django_mail

from core import tasks as core_tasks
from incidents.models import Tier
from notifications.models import Notification
from notifications.services.outbox import notifications_send_due
from support import services
from support.conf import app_settings
from support.mailbox import mailbox_poll
from support.models import Channel, InboundEmail, Message, Priority, Ticket, TicketStatus
from tests.dovecot import Dovecot, dovecot_available
from tests.helpers import wait_for

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not dovecot_available(), reason="Dovecot is not installed (apt-get install dovecot-imapd)"
    ),
]

CAROL = "carol@example.net"


@pytest.fixture(scope="module")
def dovecot():
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot, settings):
    """The support mailbox, empty, with the intake pointed at it."""
    dovecot.empty()
    for name, value in dovecot.settings().items():
        setattr(settings, name, value)
    return dovecot


def email(
    *,
    sender=CAROL,
    subject="Is my card safe?",
    body="Hello, I read about the breach. Is my card safe?",
    html=None,
    headers=(),
    attachments=(),
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Carol Customer <{sender}>" if sender == CAROL else sender
    message["To"] = "help@example.com"
    message["Subject"] = subject
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain="example.net")
    if html is not None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body)
    for name, value in headers:  # after the content, which would drop Content-Language
        message[name] = value
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message.as_bytes()


def acknowledgements_to(address):
    """Send the outbox, as the worker would; what reached `address`."""
    notifications_send_due()
    return [m for m in django_mail.outbox if address in m.to]


def everything_in(message):
    return "\n".join([message.subject, message.body, *(html for html, _ in message.alternatives)])


def test_an_email_becomes_a_question_acknowledged_without_its_words(mailbox):
    mailbox.deliver(
        email(subject="URGENT verify at https://evil.example", body="Type your password there.")
    )

    result = mailbox_poll()

    assert result.taken_in == 1
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.EMAIL
    assert ticket.requester_email == CAROL
    assert ticket.requester is None
    assert ticket.subject == "URGENT verify at https://evil.example"
    assert ticket.messages.get().body == "Type your password there."
    assert mailbox.unread() == 0  # read once
    [ack] = acknowledgements_to(CAROL)
    assert ticket.reference in ack.subject
    assert "evil.example" not in everything_in(ack)
    assert "password there" not in everything_in(ack)
    assert "We received your email to our support team." in ack.body
    assert "/support/t/" in ack.body  # the private link, as the web form sends
    assert ack.extra_headers["Message-ID"] == ticket.ack_mail_id
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"


def test_replies_to_our_emails_join_the_question(mailbox, agent):
    mailbox.deliver(email())
    mailbox_poll()
    ticket = Ticket.objects.get()
    answer = services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="It is safe.")
    [_ack, reply] = acknowledgements_to(CAROL)
    assert reply.extra_headers["Message-ID"] == answer.mail_id

    mailbox.deliver(
        email(
            subject="Re: An answer to your question",
            body="Thank you, and my password?",
            headers=[("In-Reply-To", answer.mail_id), ("References", ticket.ack_mail_id)],
        ),
        # A mail program that keeps only the subject.
        email(subject=f"Re: We received your question ({ticket.reference})", body="Hello?"),
    )
    mailbox_poll()

    assert Ticket.objects.count() == 1
    bodies = list(ticket.messages.values_list("body", flat=True))
    assert bodies[-2:] == ["Thank you, and my password?", "Hello?"]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert len(acknowledgements_to(CAROL)) == 2  # a reply is not acknowledged again


def test_a_reply_quoting_our_acknowledgement_keeps_its_words_not_the_private_link(mailbox):
    mailbox.deliver(email())
    mailbox_poll()
    ticket = Ticket.objects.get()
    [ack] = acknowledgements_to(CAROL)
    quoted = "\n".join(f"> {line}" for line in ack.body.splitlines())

    mailbox.deliver(
        email(
            subject=f"Re: {ack.subject}",
            body=f"Here is more.\n\nOn Sun, 6 Dec 2026, Candor wrote:\n{quoted}\n",
            headers=[("In-Reply-To", ticket.ack_mail_id)],
        ),
        email(
            subject=f"Re: {ticket.reference}",
            body="Forgot: my link is https://status.example/en/support/t/" + "a" * 43 + "/",
        ),
    )
    mailbox_poll()

    *_, reply, forgot = ticket.messages.values_list("body", flat=True)
    assert reply == "Here is more."
    assert forgot == "Forgot: my link is https://status.example/en/support/t/[…]/"


def test_a_stranger_who_knows_a_reference_starts_a_question_of_their_own(mailbox):
    mailbox.deliver(email())
    mailbox_poll()
    ticket = Ticket.objects.get()

    mailbox.deliver(
        email(
            sender="mallory@example.org",
            subject=f"Re: {ticket.reference}",
            body="Please change my address to mallory@example.org.",
            headers=[("In-Reply-To", ticket.ack_mail_id)],
        )
    )
    mailbox_poll()

    assert ticket.messages.count() == 1
    assert Ticket.objects.get(requester_email="mallory@example.org") != ticket


def test_a_reply_threaded_only_by_references_joins_its_question(mailbox):
    mailbox.deliver(email())
    mailbox_poll()
    ticket = Ticket.objects.get()

    # No In-Reply-To, a subject without the reference: References alone, oldest first.
    mailbox.deliver(
        email(
            subject="Re: your email",
            body="One more thing.",
            headers=[("References", f"<elsewhere@example.net> {ticket.ack_mail_id}")],
        )
    )
    mailbox_poll()

    assert Ticket.objects.count() == 1
    assert ticket.messages.last().body == "One more thing."
    assert InboundEmail.objects.filter(outcome=InboundEmail.Outcome.REPLY).count() == 1


def test_a_reply_threaded_only_by_the_reference_in_its_subject_joins_its_question(mailbox):
    mailbox.deliver(email())
    mailbox_poll()
    ticket = Ticket.objects.get()

    # A mail program that keeps neither In-Reply-To nor References, and lower-cases.
    mailbox.deliver(email(subject=f"RE: question {ticket.reference.lower()}", body="Any news?"))
    mailbox_poll()

    assert Ticket.objects.count() == 1
    assert ticket.messages.last().body == "Any news?"


def test_a_forged_in_reply_to_naming_another_persons_question_never_joins_it(mailbox):
    # Mallory asked first; Carol after. Mallory holds a leaked list of addresses, the
    # Message-ID of Carol's email (anyone Carol wrote to has it) and of our answer to
    # it (Carol forwarded it).
    mallory = "mallory@example.org"
    mailbox.deliver(email(sender=mallory, subject="My own question"))
    mailbox_poll()
    mailbox.deliver(email(subject="My card"))
    mailbox_poll()
    hers = Ticket.objects.get(requester_email=mallory)
    carols = Ticket.objects.get(requester_email=CAROL)
    [carols_message_id, hers_message_id] = [t.messages.get().mail_id for t in (carols, hers)]

    mailbox.deliver(
        # Naming Carol's email alone: a question of Mallory's own.
        email(
            sender=mallory,
            subject="Re: My card",
            body="Send the answer to me instead.",
            headers=[("In-Reply-To", carols_message_id)],
        ),
        # Naming our email to Carol first, and Mallory's own thread: it joins her own.
        email(
            sender=mallory,
            subject="Re: My card",
            body="Also, my own question.",
            headers=[
                ("In-Reply-To", carols.ack_mail_id),
                ("References", f"{hers_message_id} {carols.ack_mail_id}"),
            ],
        ),
    )
    mailbox_poll()

    assert list(carols.messages.values_list("body", flat=True)) == [
        "Hello, I read about the breach. Is my card safe?"
    ]
    assert hers.messages.last().body == "Also, my own question."
    new = Ticket.objects.exclude(pk__in=[hers.pk, carols.pk]).get()
    assert (new.requester_email, new.messages.get().body) == (
        mallory,
        "Send the answer to me instead.",
    )
    assert carols.reference not in everything_in(acknowledgements_to(mallory)[-1])


def test_html_only_email_is_read_as_plain_sanitised_text(mailbox):
    html = (
        "<html><head><style>p {color: red}</style><script>alert('x')</script></head>"
        "<body><p>Hello,</p><p>Is my <b>card</b> safe? 5 &lt; 6 &amp; caf&eacute;"
        '<img src="https://tracker.example/p.gif" onerror="alert(1)"></p></body></html>'
    )
    mailbox.deliver(email(html=html))

    mailbox_poll()

    body = Message.objects.get().body
    assert body == "Hello,\n\nIs my card safe? 5 < 6 & café"


def test_attachments_are_listed_for_the_agent_and_not_kept(mailbox):
    passport = b"%PDF-1.4 " + b"x" * 20_000
    mailbox.deliver(email(attachments=[("passport.pdf", passport)]))

    mailbox_poll()

    ticket = Ticket.objects.get()
    note, question = ticket.messages.all()
    assert note.is_internal
    assert "passport.pdf (20 KB)" in note.body
    assert question.body.startswith("Hello, I read about the breach.")
    assert "%PDF" not in "".join(ticket.messages.values_list("body", flat=True))
    [ack] = acknowledgements_to(CAROL)
    assert "We do not keep attachments. Please never send us documents" in ack.body
    assert "passport" not in everything_in(ack)


def test_unknown_and_broken_charsets_and_encoded_subjects_are_read(mailbox):
    mailbox.deliver(
        b"From: dora@example.net\r\nTo: help@example.com\r\nMessage-ID: <c1@example.net>\r\n"
        b"Subject: =?iso-8859-1?q?=BFMi_contrase=F1a?=\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nHola \xff\xfe amigos\r\n",
        b"From: eve@example.net\r\nTo: help@example.com\r\nMessage-ID: <c2@example.net>\r\n"
        b"Subject: =?utf-8?b?wr9NaSB0YXJqZXRhPw==?= =?x-unknown?q?ok?=\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\ncaf\xe9 \x00con leche\r\n",
    )

    mailbox_poll()

    dora = Ticket.objects.get(requester_email="dora@example.net")
    assert dora.subject == "¿Mi contraseña"
    assert dora.messages.get().body == "Hola  amigos"
    eve = Ticket.objects.get(requester_email="eve@example.net")
    assert eve.subject.startswith("¿Mi tarjeta?")
    assert eve.messages.get().body == "caf con leche"  # no NUL: PostgreSQL would refuse it


def test_a_ten_megabyte_email_is_refused_with_a_note_to_the_agent(mailbox):
    # 8 MB of scans are 10.9 MB of email (base64).
    mailbox.deliver(email(attachments=[("scan.pdf", b"x" * (8 * 1024 * 1024))]))

    mailbox_poll()

    ticket = Ticket.objects.get()
    assert ticket.subject == "Is my card safe?"
    note, question = ticket.messages.all()
    assert note.is_internal
    assert "This email was refused: it was 10.9 MB, over the limit of 10.0 MB" in note.body
    assert "too large to read" in question.body
    assert InboundEmail.objects.get().outcome == InboundEmail.Outcome.TOO_LARGE
    assert mailbox.unread() == 0
    [ack] = acknowledgements_to(CAROL)
    assert "Your email was too large for us to read." in ack.body


def test_robots_and_our_own_mail_are_recorded_never_answered(mailbox, settings):
    dsn = EmailMessage()
    dsn["From"] = "MAILER-DAEMON@mx.example.net"
    dsn["Subject"] = "Undelivered Mail Returned to Sender"
    dsn["Message-ID"] = make_msgid()
    dsn.set_content("The mail could not be delivered.")
    dsn.set_type("multipart/report")
    mailbox.deliver(
        email(sender="away@example.net", headers=[("Auto-Submitted", "auto-replied")]),
        email(sender="news@example.net", headers=[("Precedence", "bulk")]),
        email(sender="list@example.net", headers=[("List-Id", "<talk.example.net>")]),
        email(sender="old@example.net", headers=[("Precedence", "auto_reply")]),
        dsn.as_bytes(),
        email(sender="security@example.com", subject="We received your question"),
    )

    mailbox_poll()

    assert not Ticket.objects.exists()
    assert not Notification.objects.exists()
    outcomes = sorted(InboundEmail.objects.values_list("outcome", flat=True))
    assert outcomes == ["automated"] * 4 + ["bounce", "ours"]
    assert mailbox.unread() == 0


def test_a_bounce_of_our_acknowledgement_is_noted_on_the_question(mailbox):
    mailbox.deliver(email())
    mailbox_poll()
    ticket = Ticket.objects.get()

    mailbox.deliver(
        email(
            sender="MAILER-DAEMON@mx.example.net",
            subject="Delivery Status Notification (Failure)",
            headers=[("In-Reply-To", ticket.ack_mail_id)],
        )
    )
    mailbox_poll()

    note = ticket.messages.last()
    assert note.is_internal
    assert note.body.startswith("Delivery failure report (not answered) arrived")
    assert len(acknowledgements_to(CAROL)) == 1


def test_an_address_gets_one_acknowledgement_an_hour(mailbox):
    mailbox.deliver(email(subject="First"), email(subject="Second"), email(subject="Third"))

    mailbox_poll()

    assert Ticket.objects.count() == 3
    assert len(acknowledgements_to(CAROL)) == 1


def test_the_affected_list_never_sets_an_emailed_questions_priority(mailbox, affected):
    affected(CAROL, tier=Tier.PRIORITY)
    mailbox.deliver(email(), email(sender="dave@example.net"))

    mailbox_poll()

    priorities = dict(Ticket.objects.values_list("requester_email", "priority"))
    # "the breach": a "Was I affected?" question, for the listed sender as for anyone.
    assert priorities == {CAROL: Priority.NORMAL, "dave@example.net": Priority.NORMAL}


def test_an_emailed_question_is_filed_by_its_words(mailbox):
    mailbox.deliver(
        email(sender="a@example.net", subject="Correo sospechoso", body="¿Es una estafa?"),
        email(sender="b@example.net", subject="Reset", body="My password does not work."),
        email(sender="c@example.net", subject="Hello", body="When is the office open?"),
    )

    mailbox_poll()

    filed = dict(Ticket.objects.values_list("requester_email", "category"))
    assert filed == {"a@example.net": "phishing", "b@example.net": "password",
                     "c@example.net": "other"}  # fmt: skip
    assert Ticket.objects.get(requester_email="a@example.net").priority == Priority.HIGH


def test_a_spanish_sender_gets_spanish(mailbox, make_customer):
    ana = make_customer("ana@example.es")
    ana.language = "es"
    ana.save()
    mailbox.deliver(
        email(sender="ana@example.es", subject="Hola"),
        email(sender="luis@example.es", headers=[("Content-Language", "es-ES")]),
        email(sender="bo@example.se", headers=[("Content-Language", "sv")]),
    )

    mailbox_poll()

    languages = dict(Ticket.objects.values_list("requester_email", "language"))
    assert languages == {"ana@example.es": "es", "luis@example.es": "es", "bo@example.se": "en"}
    notifications_send_due()
    [ana] = [m for m in django_mail.outbox if "ana@example.es" in m.to]
    assert ana.subject.startswith("Recibimos su pregunta")


def test_a_failed_email_waits_for_the_next_poll_and_nothing_is_made_twice(mailbox):
    mailbox.deliver(*(email(subject=f"Question {n}") for n in range(3)))
    real = services.inbound_email_receive
    calls = []

    def fail_on_the_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(**kwargs)

    with mock.patch.object(services, "inbound_email_receive", fail_on_the_second):
        assert mailbox_poll().taken_in == 2
    assert Ticket.objects.count() == 2
    assert mailbox.unread() == 1  # the failed one, for the next poll
    # The poll dies after its commits, before marking them read: all are read again.
    mailbox.mark_all_unread()

    result = mailbox_poll()

    assert (result.seen, result.taken_in) == (3, 1)
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "Question 0",
        "Question 1",
        "Question 2",
    ]
    assert Message.objects.count() == 3
    assert mailbox.unread() == 0


@pytest.mark.django_db(transaction=True)
def test_many_senders_at_once_get_one_question_each_email_and_one_acknowledgement(mailbox):
    # With PostgreSQL (CI) four threads take the chunk in, shared out by sender.
    senders = [f"sender{n}@example.net" for n in range(4)]
    mailbox.deliver(*(email(sender=s, subject=f"Q{n}") for n in range(3) for s in senders))

    assert mailbox_poll().taken_in == 12

    assert Ticket.objects.count() == 12
    assert InboundEmail.objects.count() == 12
    acknowledged = Notification.objects.values_list("to_email", flat=True)
    assert sorted(acknowledged) == senders


@pytest.mark.django_db(transaction=True)
def test_a_chunks_acknowledgements_ask_a_worker_to_send_once_per_lane(mailbox):
    mailbox.deliver(*(email(sender=f"sender{n}@example.net") for n in range(12)))
    queued = []

    with mock.patch.object(core_tasks, "delay_or_defer", lambda t, *a: queued.append(t.name)):
        mailbox_poll()

    assert Notification.objects.count() == 12
    # One request per lane (a thread's share of the chunk), not one per acknowledgement.
    assert 1 <= len(queued) <= app_settings.IMAP_THREADS
    assert set(queued) == {"notifications.tasks.notifications_send"}


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_on_a_worker_answers_by_smtp_and_threads_the_reply(
    mailbox, celery_worker, smtp_sink
):
    from support.tasks import support_mailbox_poll

    mailbox.deliver(email())
    support_mailbox_poll.delay()  # as beat queues it
    ack = smtp_sink.last_to(CAROL, timeout=20)
    ticket = Ticket.objects.get()
    assert ack["Message-ID"] == ticket.ack_mail_id
    assert ack["Reply-To"] == "help@example.com"  # replies come back to the mailbox

    mailbox.deliver(email(body="More details.", headers=[("In-Reply-To", ack["Message-ID"])]))
    support_mailbox_poll.delay()

    assert wait_for(lambda: ticket.messages.count() == 2)
    assert ticket.messages.last().body == "More details."
    assert Ticket.objects.count() == 1


def test_the_intake_is_off_without_a_mailbox(settings):
    settings.SUPPORT_IMAP_HOST = None

    assert mailbox_poll().seen == 0
