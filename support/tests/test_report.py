"""The support report (admin: Support report) and its CSV export, on a small known data set."""

import csv
import datetime as dt
import io
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from support.models import Channel, Message, Priority, Ticket
from support.report import percentile, support_report
from tests.helpers import sign_in

from .conftest import AGENTS

pytestmark = pytest.mark.django_db

UTC = dt.UTC
DAY1, DAY3 = dt.date(2026, 3, 1), dt.date(2026, 3, 3)


def at(day: int, hour: int) -> dt.datetime:
    """That hour of that day of March 2026 (day 0 is 28 February)."""
    return dt.datetime(2026, 3, 1, hour, tzinfo=UTC) + dt.timedelta(days=day - 1)


@pytest.fixture
def known(make_staff):
    """
    Four questions asked from 1 to 3 March (and one before): channels, answer and
    resolution times, ratings and answering agents chosen so every figure is known.
    """
    ann = make_staff("ann@example.com", group=AGENTS)
    ben = make_staff("ben@example.com", group=AGENTS)

    def ask(ref, channel, priority, created, hours, answered=None, resolved=None, rating=None,
            by=None, body="My password?"):  # fmt: skip
        ticket = Ticket.objects.create(
            reference=ref,
            subject="Was my password leaked?",
            requester_email=f"{ref.lower()}@example.com",
            category="password",
            channel=channel,
            priority=priority,
            created_at=created,
            first_response_due_at=created + dt.timedelta(hours=hours),
            first_responded_at=answered,
            resolved_at=resolved,
            rating=rating,
            assignee=by,
        )
        Message.objects.create(
            ticket=ticket, author_kind="customer", body=body, created_at=created
        )
        if by:
            Message.objects.create(ticket=ticket, author_kind="agent", author=by, body="Hello",
                                   created_at=answered)  # fmt: skip
        return ticket

    ask("R0", Channel.WEB, Priority.NORMAL, at(-1, 9), 24)  # before the period, still open
    ask("R1", Channel.WEB, Priority.NORMAL, at(1, 10), 24, at(1, 12), at(2, 10), 5, ann)
    ask("R2", Channel.EMAIL, Priority.NORMAL, at(1, 11), 24, at(1, 21), at(3, 20), None, ben,
        body="=HYPERLINK(\"http://evil\")")  # fmt: skip
    ask("R3", Channel.PHONE, Priority.URGENT, at(2, 9), 2, at(2, 13), at(3, 9), 3, ann)
    ask("R4", Channel.WEB, Priority.NORMAL, at(3, 8), 24)
    return {"ann": ann, "ben": ben}


def test_percentile_interpolates_as_postgresql_does():
    assert percentile([2, 10], 0.5) == 6
    assert percentile([2, 10], 0.9) == pytest.approx(9.2)
    assert percentile([], 0.5) is None


def test_questions_per_day_by_channel(known):
    report = support_report(start=DAY1, end=DAY3)

    assert report.by_channel == {"web": [1, 0, 1], "email": [1, 0, 0], "phone": [0, 1, 0]}
    assert report.by_category["password"] == [2, 1, 1]
    assert report.total == 4


def test_backlog_counts_questions_open_at_the_end_of_each_day(known):
    assert support_report(start=DAY1, end=DAY3).backlog == [3, 3, 2]


def test_first_response_p50_p90_and_share_on_time_per_priority(known):
    rows = {row["priority"]: row for row in support_report(start=DAY1, end=DAY3).first_response}

    assert rows["normal"] | {} == rows["normal"] | {
        "count": 2, "p50": 6.0, "p90": 9.2, "target": 24, "on_time": 2, "on_time_percent": 100
    }  # fmt: skip
    assert (rows["urgent"]["p50"], rows["urgent"]["on_time"], rows["urgent"]["target"]) == (
        4.0,
        0,
        2,
    )
    assert rows["low"]["count"] == 0
    assert rows["low"]["p50"] is None


def test_time_to_resolution(known):
    resolution = support_report(start=DAY1, end=DAY3).resolution

    assert resolution == {"count": 3, "p50": 24.0, "p90": 50.4}


def test_ratings_average_and_distribution(known):
    ratings = support_report(start=DAY1, end=DAY3).ratings

    assert ratings == {"count": 2, "average": 4.0, "distribution": [0, 0, 1, 0, 1]}


def test_per_agent_answered_and_first_response_p50(known):
    agents = support_report(start=DAY1, end=DAY3).agents

    assert agents == [
        {"agent": "ann@example.com", "answered": 2, "p50": 3.0},
        {"agent": "ben@example.com", "answered": 1, "p50": 10.0},
    ]


def test_an_incident_chosen_narrows_the_report(known, incident):
    Ticket.objects.filter(reference="R3").update(incident=incident)

    report = support_report(start=DAY1, end=DAY3, incident=incident)

    assert report.by_channel["phone"] == [0, 1, 0]
    assert report.total == 1


# --- The page -----------------------------------------------------------------------


def report_url(**query):
    url = reverse("admin:support_ticket_report")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_agent_sees_the_report_with_charts_and_tables(agent_client, known):
    response = agent_client.get(report_url(start="2026-03-01", end="2026-03-03"))

    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert html.count('<svg class="report-chart"') == 6
    assert "<caption>Questions per day, by channel</caption>" in html
    assert "4 questions asked in this period." in html
    assert "style=" not in html.split('id="content-main"')[1]  # the CSP allows no inline style


def test_report_defaults_to_the_last_fourteen_days(agent_client):
    response = agent_client.get(report_url())

    assert response.status_code == HTTPStatus.OK
    assert len(response.context["days"]) == 14
    assert "No ratings yet" in response.content.decode()


def test_a_period_ending_before_it_starts_is_refused(agent_client):
    response = agent_client.get(report_url(start="2026-03-03", end="2026-03-01"))

    assert "The period must end on or after its first day." in response.content.decode()
    assert "report" not in response.context


@pytest.mark.parametrize("name", ["admin:support_ticket_report", "admin:support_ticket_export"])
def test_the_comms_team_gets_no_report_and_no_export(comms_client, known, name):
    response = comms_client.get(reverse(name))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not AuditEvent.objects.filter(action="support.tickets_exported").exists()


def test_support_leads_see_the_report(make_staff, roles):
    lead = make_staff("lead@example.com", group=AGENTS)
    lead.groups.set([Group.objects.get(name="Support leads")])
    client = Client()
    sign_in(client, lead, "password", "mfa")

    assert client.get(report_url()).status_code == HTTPStatus.OK


# --- The export ---------------------------------------------------------------------


def exported(client, **query) -> list[list[str]]:
    response = client.get(reverse("admin:support_ticket_export"), query)
    assert response.status_code == HTTPStatus.OK
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_an_agent_exports_without_the_customers_text(agent_client, known):
    rows = exported(agent_client, start="2026-03-01", end="2026-03-03")

    assert rows[0] == ["reference", "created", "channel", "category", "priority", "status",
                       "language", "assignee", "first response at", "resolved at"]  # fmt: skip
    assert [row[0] for row in rows[1:]] == ["R1", "R2", "R3", "R4"]
    assert rows[1][1] == "2026-03-01T10:00:00+00:00"
    assert not any("HYPERLINK" in cell or "My password" in cell for r in rows for cell in r)


def test_with_the_text_permission_the_question_is_exported_formula_safe(make_staff, known, roles):
    lead = make_staff("lead@example.com", group=AGENTS)
    lead.groups.set([Group.objects.get(name="Support leads")])
    client = Client()
    sign_in(client, lead, "password", "mfa")

    rows = exported(client, start="2026-03-01", end="2026-03-03")

    assert rows[0][-1] == "question"
    by_reference = {row[0]: row for row in rows[1:]}
    assert by_reference["R1"][-1] == "My password?"
    assert by_reference["R2"][-1] == '\'=HYPERLINK("http://evil")'


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(dangerous):
    from support.selectors import _cell

    assert _cell(dangerous) == "'" + dangerous


def test_each_export_is_in_the_audit_trail(agent_client, known):
    exported(agent_client, start="2026-03-01", end="2026-03-03")

    event = AuditEvent.objects.get(action="support.tickets_exported")
    assert event.actor == agent_client.user
    assert event.details == {"count": 4, "with_text": False}
    assert event.target_label == "2026-03-01..2026-03-03"


def test_the_inbox_action_exports_the_chosen_questions(agent_client, known):
    chosen = Ticket.objects.filter(reference__in=["R1", "R3"])
    response = agent_client.post(
        reverse("admin:support_ticket_changelist") + "?work=all",
        {"action": "export_csv", "_selected_action": [t.pk for t in chosen]},
    )

    text = b"".join(response.streaming_content).decode()
    assert [row[0] for row in csv.reader(io.StringIO(text))][1:] == ["R1", "R3"]


def test_a_chart_draws_bars_in_proportion_on_an_axis_of_whole_numbers():
    from support.charts import bar_chart

    chart = bar_chart(["1 Mar", "2 Mar"], [("Web form", [2, 1]), ("Email", [1, 0])])

    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 2 * heights[1] == 2 * heights[2]  # 2 and 1 on 1 Mar, 1 on 2 Mar
    assert [tick.text for tick in chart.y_ticks] == ["0", "1", "2", "3", "4", "5"]  # 3 at most
    assert chart.bars[0].title == "1 Mar, Web form: 2"
