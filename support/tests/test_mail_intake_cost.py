"""
What taking in an email costs the database: a mailbox delivers thousands an hour on
the day of a breach (bench/imap_intake.py). The lookups are made once for a chunk's
share of emails (selectors.mail_known); each email then takes a few statements.
"""

import pytest

from support import services
from support.mail import IncomingMail
from support.models import InboundEmail, Ticket
from support.selectors import mail_known

pytestmark = pytest.mark.django_db


def incoming(n, *, sender=None, message_id=None):
    return IncomingMail(
        message_id=message_id or f"<q{n}@example.net>",
        from_email=sender or f"asker{n}@example.net",
        from_name="Asker",
        subject=f"Question {n}",
        body="Is my card safe?",
        size=1_000,
    )


def test_a_chunks_lookups_are_three_queries_however_many_emails(django_assert_num_queries):
    mails = [incoming(n) for n in range(50)]

    with django_assert_num_queries(3):
        mail_known(mails=mails)


def test_an_emailed_question_is_five_statements_once_looked_up(
    django_assert_num_queries, settings
):
    settings.SUPPORT_IMAP_HOST = "imap.example.net"  # acknowledgements say "reply to us"
    mails = [incoming(1), incoming(2)]
    known = mail_known(mails=mails)

    # The reference checked free; the question, its message, its acknowledgement in the
    # outbox and the email's record inserted; and the savepoint this test's transaction
    # makes of the service's own transaction (alone, that is a BEGIN and a COMMIT).
    with django_assert_num_queries(5 + 2):
        services.inbound_email_receive(mail=mails[0], known=known)

    assert Ticket.objects.get().ack_mail_id
    assert InboundEmail.objects.get().acknowledged


def test_an_email_taken_in_before_costs_no_query(django_assert_num_queries):
    services.inbound_email_receive(mail=incoming(1))
    known = mail_known(mails=[incoming(1)])

    with django_assert_num_queries(2):  # the savepoint, opened and released
        assert services.inbound_email_receive(mail=incoming(1), known=known) is None


def test_one_lookup_serves_a_senders_emails_in_a_row():
    first, second = (
        incoming(1, sender="carol@example.net"),
        incoming(2, sender="carol@example.net"),
    )
    again = incoming(3, sender="dave@example.net", message_id=first.message_id)
    known = mail_known(mails=[first, second, again])

    for mail in (first, second, again):
        services.inbound_email_receive(mail=mail, known=known)

    # One acknowledgement an hour, and one question for one Message-ID, within the batch too.
    acknowledged = InboundEmail.objects.order_by("received_at").values_list("acknowledged")
    assert [a for (a,) in acknowledged] == [True, False]
    assert Ticket.objects.count() == 2


def test_a_senders_account_language_is_found_whatever_the_case_of_its_address(
    make_customer,
):
    ana = make_customer("Ana.Lopez@Example.es")
    ana.language = "es"
    ana.save()
    mail = incoming(1, sender="ana.lopez@example.es")

    record = services.inbound_email_receive(mail=mail, known=mail_known(mails=[mail]))

    assert record.ticket.language == "es"
