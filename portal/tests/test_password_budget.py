"""
The password budget is the whole site's: web processes on several machines share it
through Redis (core.password_budget).
"""

import os
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest

# A web process in miniature: from the agreed moment, as many places as it can get.
TAKE_PLACES = """
import sys, time
import django
from django.conf import settings
django.setup()
settings.CACHES["default"]["KEY_PREFIX"] = sys.argv[1]
from core.password_budget import password_check_place
start = float(sys.argv[2])
time.sleep(max(0, start - time.time()))
for _ in range(int(sys.argv[3])):
    place = password_check_place()
    print(place[1] if place else "refused", flush=True)
"""


def web_process_env(**settings: str) -> dict[str, str]:
    """A web process's environment: this one's (Redis), a budget of 2 checks a second."""
    return dict(os.environ) | {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "true",
        "CANDOR_PASSWORD_CHECKS_PER_SECOND": "2",
        **settings,
    }


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_two_web_processes_sharing_redis_keep_one_budget_between_them():
    env = web_process_env(
        CANDOR_PASSWORD_WAIT_SECONDS="3",
        CANDOR_KNOWN_BROWSER_SHARE="0",  # one lane, the open one
    )
    prefix, start = f"budget-test-{uuid.uuid4().hex}", time.time() + 3
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", TAKE_PLACES, prefix, str(start), "8"],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60)[0].split() for p in processes]

    assert all(p.returncode == 0 for p in processes)
    places = Counter(line for output in outputs for line in output if line != "refused")
    assert max(places.values()) == 2  # each second's 2 places, for both processes together
    # Now and the next 3 seconds (a fifth if a second turned meanwhile): two budgets, one
    # per process, would have given all 16.
    assert sum(places.values()) <= 2 * 5


# Another web process, started later: is every open place closed to a new browser?
OPEN_TO_NEW_BROWSERS = """
import sys, time
import django
from django.conf import settings
django.setup()
settings.CACHES["default"]["KEY_PREFIX"] = sys.argv[1]
from core.password_budget import password_checks_spent
time.sleep(1.05 - time.time() % 1)  # a fresh second: its open place is free
print("closed" if password_checks_spent(known=False) else "open", flush=True)
"""


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_a_storm_one_web_process_met_closes_the_open_places_on_another():
    env = web_process_env(
        CANDOR_PASSWORD_WAIT_SECONDS="1",
        CANDOR_KNOWN_BROWSER_SHARE="0.5",  # one place a second open, one kept
    )
    prefix = f"budget-test-{uuid.uuid4().hex}"

    def run(code, *args):
        done = subprocess.run(
            [sys.executable, "-c", code, prefix, *args],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert run(OPEN_TO_NEW_BROWSERS) == ["open"]  # a quiet moment
    taken = run(TAKE_PLACES, str(time.time()), "4")  # the storm: 2 places, then refused
    assert taken[-1] == "refused"

    assert run(OPEN_TO_NEW_BROWSERS) == ["closed"]


@pytest.mark.parametrize(("cores", "hash_seconds"), [(1, 0.251), (2, 0.232), (8, 0.25)])
def test_the_default_budget_is_the_share_of_the_cores_and_keeps_places_for_known_browsers(
    settings, monkeypatch, cores, hash_seconds
):
    """
    Over a minute each lane has its share of half the cores' checks, to a check: a one-core
    server's 1.99 a second are neither 1 (keeping none for known browsers) nor 2.
    """
    from core import password_budget

    monkeypatch.setattr(password_budget, "hash_seconds", lambda: hash_seconds)
    settings.CANDOR_PASSWORD_CHECKS_PER_SECOND = None
    settings.CANDOR_HASHING_CORES = cores
    budget = 0.5 * cores / hash_seconds

    assert password_budget.derived_budget() == pytest.approx(budget)
    minute = range(1_800_000_000, 1_800_000_060)
    places = {
        lane: sum(password_budget.places(rate, second) for second in minute)
        for lane, rate in password_budget.lanes(known=True)
    }
    # A tenth open, but a place within every 3 s wait at least (a third of a check a second).
    open_rate = max(0.1 * budget, 1 / 3)
    assert abs(places["kept"] - 60 * (budget - open_rate)) < 1
    assert abs(places["open"] - 60 * open_rate) < 1


@pytest.mark.parametrize(
    ("rate", "seconds"),
    [(3, [3, 3, 3, 3]), (2.5, [2, 3, 2, 3]), (0.5, [0, 1, 0, 1]), (0.25, [0, 0, 0, 1])],
)
def test_a_lane_of_part_checks_a_second_has_a_place_as_often_as_its_rate_says(rate, seconds):
    from core.password_budget import places

    assert [places(rate, s) for s in range(4)] == seconds


def test_the_hash_cost_is_measured_once_however_many_sign_ins_ask_at_once(monkeypatch):
    """A storm's first sign-ins, all at once, must not each spend a hash on measuring it."""
    import threading

    from core import password_budget

    measured = []

    def measure():
        measured.append(1)
        time.sleep(0.2)  # as long as a hash, for the others to arrive meanwhile
        return 0.25

    monkeypatch.setattr(password_budget, "_measured", [])
    monkeypatch.setattr(password_budget, "_measure_hash", measure)
    start = threading.Barrier(8)
    costs = []

    def sign_in():
        start.wait()
        costs.append(password_budget.hash_seconds())

    threads = [threading.Thread(target=sign_in) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert costs == [0.25] * 8
    assert len(measured) == 1


def test_a_web_process_measures_the_hash_cost_as_it_starts():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANDOR_")}
    env |= {"DJANGO_SETTINGS_MODULE": "portal.settings", "DJANGO_DEBUG": "true"}
    code = "import portal.wsgi; from core import password_budget as b; print(b._measured)"

    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() not in ("", "[]")  # timed before any visitor asked
