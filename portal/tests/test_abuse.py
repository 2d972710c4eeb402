"""
Abuse limits, session idle timeout and redirects: what stops one attacker from
flooding, locking out or phishing everyone else.
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from .conftest import PASSWORD


def subscribe_post(client, email, **extra):
    return client.post(reverse("notifications:subscribe"), {"email": email}, **extra)


@pytest.mark.django_db
def test_a_session_ends_after_an_hour_without_activity(client, dora):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(dora)
        assert client.get(reverse("accounts:me")).status_code == 200

        clock.shift(dt.timedelta(minutes=61))
        response = client.get(reverse("accounts:me"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_activity_keeps_a_session_alive(client, dora):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(dora)
        for _ in range(3):  # 40 minutes between pages, two hours in all
            clock.shift(dt.timedelta(minutes=40))
            response = client.get(reverse("accounts:me"))
            assert response.status_code == 200


@pytest.mark.django_db
def test_a_session_cookie_does_not_outlive_the_browser(client, dora):
    response = client.post(reverse("account_login"), {"login": dora.email, "password": PASSWORD})

    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert not cookie["expires"] and not cookie["max-age"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"],
)
def test_signing_in_never_sends_you_to_another_site(client, dora, target):
    response = client.post(
        f"{reverse('account_login')}?next={target}",
        {"login": dora.email, "password": PASSWORD, "next": target},
    )

    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "evil.example" not in location and "javascript" not in location


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/admin/", "//evil.example/"])
def test_the_admin_sign_in_never_sends_you_to_another_site(client, target):
    response = client.get(reverse("admin-login"), {"next": target})

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


@pytest.mark.django_db
def test_repeated_password_failures_pause_that_account_even_for_the_right_password(client, dora):
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": dora.email, "password": "wrong-guess-" + "x" * 10})

    response = client.post(url, {"login": dora.email, "password": PASSWORD})

    assert response.status_code == 200  # the form again, with the reason
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_forged_x_forwarded_for_does_not_reset_the_count_without_a_proxy(client):
    # With no proxy in front (the default), X-Forwarded-For is the client's own invention.
    statuses = [
        subscribe_post(
            client, f"reader{i}@example.com", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}"
        ).status_code
        for i in range(7)
    ]

    assert 429 in statuses


@pytest.mark.django_db
def test_behind_one_proxy_the_limit_follows_the_real_client_not_the_forged_part(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1  # the proxy appends the address it saw

    attacker = [
        subscribe_post(
            client,
            f"reader{i}@example.com",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.9",
        ).status_code
        for i in range(7)
    ]
    someone_else = subscribe_post(
        client, "another@example.com", HTTP_X_FORWARDED_FOR="192.0.2.44"
    ).status_code

    assert 429 in attacker  # forging the left part did not give fresh counters
    assert someone_else != 429  # and the attacker did not lock out everyone behind the proxy


@pytest.mark.django_db
def test_a_subscription_flood_gets_the_friendly_429_page(client):
    responses = [subscribe_post(client, f"reader{i}@example.com") for i in range(7)]

    limited = [r for r in responses if r.status_code == 429]
    assert limited
    assert b"Please wait a few minutes" in limited[0].content
    assert b"<html" in limited[0].content  # our styled page, not a bare status line


@pytest.mark.django_db
def test_a_client_refused_a_moment_ago_is_refused_again_before_the_whole_stack(client):
    statuses = [subscribe_post(client, f"reader{i}@example.com") for i in range(6)]
    first_refusal = statuses[-1]
    assert first_refusal.status_code == 429
    assert "429.html" in [t.name for t in first_refusal.templates]

    again = subscribe_post(client, "reader7@example.com")

    assert again.status_code == 429
    assert again.templates == []  # not rendered again: the view was not reached
    assert again.content == first_refusal.content  # the same styled page
    assert 1 <= int(again["Retry-After"]) <= 5
    assert "no-store" in again["Cache-Control"]
    assert "frame-ancestors 'none'" in again["Content-Security-Policy"]
    assert again["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_quick_refusal_ends_with_the_limit_and_spares_other_clients(client):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for i in range(7):
            subscribe_post(client, f"reader{i}@example.com")
        neighbour = subscribe_post(client, "n@example.com", REMOTE_ADDR="192.0.2.80")
        clock.shift(dt.timedelta(seconds=61))  # allauth's minute and our 5 s are over
        later = subscribe_post(client, "later@example.com")

    assert neighbour.status_code == 302
    assert later.status_code == 302


@pytest.fixture
def frozen_clock(monkeypatch):
    """Time stands still at half past a second; a password check's wait moves it on."""
    from core import password_budget

    start = timezone.now().replace(microsecond=500_000)
    with time_machine.travel(start, tick=False) as clock:
        clock.waits = []

        def sleep(seconds):
            clock.waits.append(seconds)
            clock.shift(dt.timedelta(seconds=seconds))

        monkeypatch.setattr(password_budget, "_sleep", sleep)
        yield clock


def storm(client, url, count):
    """Wrong passwords from other addresses, each spending a place in the budget."""
    for n in range(count):
        client.post(url, {"login": f"x{n}@example.com", "password": "guess"},
                    REMOTE_ADDR=f"198.51.100.{n}")  # fmt: skip


@pytest.mark.django_db
def test_a_sign_in_over_the_budget_waits_its_turn_and_gets_in(
    client, dora, settings, frozen_clock
):
    settings.CANDOR_PASSWORD_CHECKS_PER_SECOND = 3
    settings.CANDOR_KNOWN_BROWSER_SHARE = 0  # one lane: the queue alone
    url = reverse("account_login")
    storm(client, url, 3)  # this second's budget is spent

    signed_in = client.post(url, {"login": dora.email, "password": PASSWORD})

    assert signed_in.status_code == 302
    assert "_auth_user_id" in client.session
    assert frozen_clock.waits == [0.5]  # to the next second, when a place came free


@pytest.mark.django_db
def test_a_sign_in_past_the_bound_gets_the_form_with_the_way_out(rf, dora, settings):
    from django.core.exceptions import ValidationError

    from core.password_budget import password_check_allowed
    from portal.account_adapter import AccountAdapter

    settings.CANDOR_PASSWORD_CHECKS_PER_SECOND = 1
    settings.CANDOR_KNOWN_BROWSER_SHARE = 0  # one lane: a place each second
    settings.CANDOR_PASSWORD_WAIT_SECONDS = 0  # no waiting: only this second counts
    request = rf.post(reverse("account_login"))
    with time_machine.travel(timezone.now(), tick=False):
        assert password_check_allowed()  # another sign-in took the last one
        with pytest.raises(ValidationError) as refused:
            AccountAdapter(request).pre_authenticate(request, email=dora.email, password="x")

    assert "Sign in with a code sent to your email instead" in str(refused.value)


@pytest.mark.django_db
def test_earlier_sign_ins_over_the_budget_get_their_turn_first(settings, frozen_clock):
    from core.password_budget import password_check_place

    settings.CANDOR_PASSWORD_CHECKS_PER_SECOND = 2
    settings.CANDOR_KNOWN_BROWSER_SHARE = 0  # one lane: the queue alone
    seconds = [password_check_place()[1] for _ in range(8)]

    assert seconds == sorted(seconds)
    assert [seconds.count(s) for s in sorted(set(seconds))] == [2, 2, 2, 2]
    assert password_check_place() is None  # the 3 s bound is full: 2 a second for 4 seconds


@pytest.mark.django_db
def test_when_no_place_comes_free_within_the_bound_a_sign_in_is_refused_at_once(
    client, dora, settings, frozen_clock
):
    settings.CANDOR_PASSWORD_CHECKS_PER_SECOND = 1
    settings.CANDOR_KNOWN_BROWSER_SHARE = 0  # one lane: a place each second
    url = reverse("account_login")
    storm(client, url, 4)  # now and each of the next 3 seconds are spent
    frozen_clock.waits.clear()
    frozen_clock.shift(dt.timedelta(seconds=-3))  # back to when the storm began

    busy = client.post(url, {"login": dora.email, "password": PASSWORD})

    assert busy.status_code == 429
    assert frozen_clock.waits == []  # nothing to wait for
    assert busy["Retry-After"] == "1"
    assert "account/login.html" not in [t.name for t in busy.templates]  # no sign-in form
    assert reverse("account_request_login_code").encode() in busy.content
    assert b"Many people are signing in" in busy.content
    assert "frame-ancestors 'none'" in busy["Content-Security-Policy"]
    assert "_auth_user_id" not in client.session


@pytest.fixture
def hashes(monkeypatch):
    """The password hashes made from here on (a check hashes the password it is given)."""
    from django.contrib.auth.hashers import get_hasher

    hasher_class = type(get_hasher())
    made = []
    original = hasher_class.encode

    def counted(self, *args, **kwargs):
        made.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(hasher_class, "encode", counted)
    return made


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("login", "password"),
    [("dora", "a wrong guess"), ("nobody@example.com", "a guess"), ("dora", PASSWORD)],
    ids=["wrong-password", "address-nobody-has", "right-password"],
)
def test_a_sign_in_costs_one_password_hash_the_one_the_budget_counts(
    client, dora, hashes, login, password
):
    """A storm's guess costs the cores what the budget counts, not twice as much."""
    address = dora.email if login == "dora" else login
    client.post(reverse("account_login"), {"login": address, "password": password})

    assert len(hashes) == 1


@pytest.fixture
def two_lanes(settings):
    """A budget of 2 checks a second: a place a second kept for known browsers, one open."""
    settings.CANDOR_PASSWORD_CHECKS_PER_SECOND = 2
    settings.CANDOR_KNOWN_BROWSER_SHARE = 0.5


def fill_open_places():
    """A storm of guesses takes every place open to anyone within the wait."""
    from core.password_budget import password_check_place

    taken = 0
    while password_check_place() is not None:
        taken += 1
    assert taken > 0


def password_sign_in(client, person):
    """A person signs in with her password from this browser: the response."""
    return client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})


def sign_in_and_out(client, person):
    """A person signs in from her browser, as on an earlier day, and signs out."""
    assert (
        client.post(
            reverse("account_login"), {"login": person.email, "password": PASSWORD}
        ).status_code
        == 302
    )
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_in_a_storm_a_browser_that_signed_in_before_still_gets_in(
    client, dora, two_lanes, frozen_clock
):
    url = reverse("account_login")
    sign_in_and_out(client, dora)
    frozen_clock.shift(dt.timedelta(seconds=10))  # a later moment, the storm begins
    fill_open_places()
    frozen_clock.waits.clear()  # her first sign-in may have waited for an open place

    signed_in = client.post(url, {"login": dora.email, "password": PASSWORD})

    assert signed_in.status_code == 302
    assert "_auth_user_id" in client.session
    assert frozen_clock.waits == []  # her browser's place was kept: no wait at all


@pytest.mark.django_db
@pytest.mark.parametrize("second", [0, 1, 2, 3, 4])
def test_on_a_quiet_day_a_new_browser_that_mistyped_gets_in_on_the_next_try(
    client, dora, settings, frozen_clock, second
):
    """A small server's default budget: 2 checks a second, nine tenths kept for known browsers."""
    settings.CANDOR_PASSWORD_CHECKS_PER_SECOND = 2
    settings.CANDOR_KNOWN_BROWSER_SHARE = None  # the default
    frozen_clock.shift(dt.timedelta(seconds=second))  # wherever the seconds fall
    url = reverse("account_login")
    client.post(url, {"login": dora.email, "password": "a typo"})
    frozen_clock.waits.clear()  # the typo may have waited for its own place

    signed_in = client.post(url, {"login": dora.email, "password": PASSWORD})

    assert signed_in.status_code == 302  # waited its turn; nobody else was signing in
    assert "_auth_user_id" in client.session
    assert sum(frozen_clock.waits) <= 3  # within CANDOR_PASSWORD_WAIT_SECONDS


@pytest.mark.django_db
def test_in_a_storm_a_new_browser_is_offered_the_emailed_code(
    client, dora, two_lanes, frozen_clock
):
    url = reverse("account_login")
    fill_open_places()

    busy = client.post(url, {"login": dora.email, "password": PASSWORD})

    assert busy.status_code == 429
    assert reverse("account_request_login_code").encode() in busy.content


@pytest.mark.django_db
def test_in_a_storm_a_new_browser_gets_in_with_the_code_and_is_known_after(
    client, dora, two_lanes, frozen_clock, smtp_sink
):
    """The stuck person's way through: the page's offer works while the storm goes on."""
    from notifications.services.outbox import notifications_send_due
    from tests.e2e.steps import emailed_code

    url = reverse("account_login")
    fill_open_places()
    busy = client.post(url, {"login": dora.email, "password": PASSWORD})
    assert busy.status_code == 429

    asked = client.post(reverse("account_request_login_code"), {"email": dora.email})
    assert asked.status_code == 302
    # The outbox sends once the request's transaction commits, which this test's never
    # does: send what is due in the worker's place.
    while notifications_send_due():
        pass
    confirmed = client.post(
        reverse("account_confirm_login_code"), {"code": emailed_code(smtp_sink, dora.email)}
    )

    assert confirmed.status_code == 302
    assert "_auth_user_id" in client.session
    client.post(reverse("account_logout"))
    # Time stands still: the storm still holds every open place.
    again = client.post(url, {"login": dora.email, "password": PASSWORD})
    assert again.status_code == 302  # her browser is known now: a place is kept for it


@pytest.mark.django_db
def test_in_a_storm_a_guess_gets_no_password_checked_when_an_open_place_comes_free(
    client, dora, two_lanes, frozen_clock, hashes
):
    """Whoever holds the leaked list gets no guess at anyone's password while the storm goes on."""
    from core.password_budget import forget_storm

    url = reverse("account_login")
    fill_open_places()  # a place refused: the storm is on
    forget_storm()  # another web process, which knows of it only through the shared cache
    frozen_clock.shift(dt.timedelta(seconds=10))  # the open places of these seconds are free
    hashes.clear()

    guess = client.post(
        url, {"login": dora.email, "password": "a guess"}, REMOTE_ADDR="198.51.100.77"
    )

    assert guess.status_code == 429
    assert hashes == []  # her password was not tried, and no core spent on it
    assert reverse("account_request_login_code").encode() in guess.content


@pytest.mark.django_db
def test_in_a_storm_a_browser_that_signed_in_before_gets_in_when_the_open_places_are_closed(
    client, dora, two_lanes, frozen_clock
):
    sign_in_and_out(client, dora)
    frozen_clock.shift(dt.timedelta(seconds=10))
    fill_open_places()
    frozen_clock.shift(dt.timedelta(seconds=10))  # the storm goes on, the open lane closed

    assert password_sign_in(client, dora).status_code == 302


@pytest.mark.django_db
def test_after_the_storm_a_new_browser_signs_in_with_its_password_again(
    client, dora, two_lanes, frozen_clock, settings
):
    """Nobody is held to the emailed code for longer than the storm lasts."""
    fill_open_places()
    frozen_clock.shift(dt.timedelta(seconds=10))
    assert password_sign_in(client, dora).status_code == 429

    # Nobody refused for CANDOR_PASSWORD_STORM_SECONDS since that last refusal.
    settings.CANDOR_PASSWORD_STORM_SECONDS = None  # the default: 30 s
    frozen_clock.shift(dt.timedelta(seconds=31))

    assert password_sign_in(client, dora).status_code == 302


@pytest.mark.django_db
def test_with_no_storm_time_the_open_places_stay_open_to_new_browsers(
    client, dora, two_lanes, frozen_clock, settings
):
    settings.CANDOR_PASSWORD_STORM_SECONDS = 0
    fill_open_places()
    frozen_clock.shift(dt.timedelta(seconds=10))

    assert password_sign_in(client, dora).status_code == 302


@pytest.mark.django_db
def test_in_a_storm_a_new_browser_s_refusal_may_be_kept_a_second_by_the_proxy(
    client, dora, two_lanes, frozen_clock
):
    """deploy/'s nginx then answers the storm's next guesses itself (candor-refusals.conf)."""
    fill_open_places()  # a place refused: the storm is on

    busy = password_sign_in(client, dora)

    assert busy.status_code == 429
    assert busy["X-Accel-Expires"] == "1"  # for the proxy only: nginx strips it
    assert "no-store" in busy["Cache-Control"]  # browsers and other caches keep nothing


@pytest.mark.django_db
def test_outside_a_storm_no_refusal_is_kept_by_the_proxy(
    client, dora, two_lanes, frozen_clock, settings
):
    """Without a storm a place may come free within the second: the next sign-in is asked."""
    settings.CANDOR_PASSWORD_STORM_SECONDS = 0
    fill_open_places()

    busy = password_sign_in(client, dora)

    assert busy.status_code == 429
    assert not busy.has_header("X-Accel-Expires")


@pytest.mark.django_db
def test_a_known_browser_s_refusal_is_never_kept_by_the_proxy(
    client, dora, two_lanes, frozen_clock
):
    """It is hers alone: the next browser may be known and have a place kept for it."""
    from core.password_budget import password_check_place

    sign_in_and_out(client, dora)
    frozen_clock.shift(dt.timedelta(seconds=10))
    fill_open_places()  # the storm is on
    while password_check_place(known=True) is not None:  # and her browser's places spent
        pass

    busy = password_sign_in(client, dora)

    assert busy.status_code == 429
    assert not busy.has_header("X-Accel-Expires")


@pytest.mark.django_db
def test_a_known_browser_gets_no_kept_place_for_another_account(
    client, dora, django_user_model, two_lanes, frozen_clock
):
    """Whoever holds the leaked list and an account of their own gains nothing by it."""
    url = reverse("account_login")
    sign_in_and_out(client, dora)  # the attacker's own account, say
    fill_open_places()

    other = client.post(url, {"login": "someone.else@example.com", "password": "guess"})

    assert other.status_code == 429


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", ["forged", "altered"])
def test_a_forged_or_altered_browser_cookie_gets_no_kept_place(
    client, dora, two_lanes, frozen_clock, tamper
):
    from django.core import signing
    from django.utils.crypto import salted_hmac

    from core.known_browsers import COOKIE_NAME

    url = reverse("account_login")
    sign_in_and_out(client, dora)
    if tamper == "forged":  # the right digest, signed with another key
        digest = salted_hmac("candor.known-browsers", dora.email).hexdigest()[:24]
        value = signing.dumps([digest], key="not-the-site-secret", salt="candor.known-browsers")
    else:
        value = client.cookies[COOKIE_NAME].value[:-2] + "xx"
    client.cookies[COOKIE_NAME] = value
    fill_open_places()

    assert client.post(url, {"login": dora.email, "password": PASSWORD}).status_code == 429


@pytest.mark.django_db
def test_the_browser_cookie_names_no_address_and_is_kept_from_scripts(client, dora):
    from core.known_browsers import COOKIE_NAME

    response = client.post(reverse("account_login"), {"login": dora.email, "password": PASSWORD})

    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert dora.email.split("@")[0] not in cookie.value
    assert int(cookie["max-age"]) == 180 * 86400
