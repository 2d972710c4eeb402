"""
deploy/'s files agree with each other (tests/test_topology.py runs them together).
"""

import re
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_the_app_servers_keep_pooled_connections_open_longer_than_nginx_does():
    """
    nginx sends a request on a connection it kept from the pool; if gunicorn closes that
    connection at the same moment, a GET is sent again to another server but a POST (a
    sign-in, a question) gets a 502. So nginx, not gunicorn, must be the one to close an
    idle connection: gunicorn's --keep-alive longer than nginx's keepalive_timeout.
    """
    unit = (DEPLOY / "systemd" / "candor-web@.service").read_text()
    site = (DEPLOY / "nginx" / "candor.conf.in").read_text()

    gunicorn_keep_alive = int(re.search(r"--keep-alive (\d+)", unit)[1])
    nginx_keepalive_timeout = int(re.search(r"^\s*keepalive_timeout (\d+)s;", site, re.M)[1])

    assert gunicorn_keep_alive > nginx_keepalive_timeout


def test_nginx_passes_every_browser_known_to_the_site_on_to_an_app_server():
    """
    In a sign-in storm nginx answers guesses from its kept refusal, except a POST carrying
    Candor's known-browser cookie: it must name that cookie, or a person signing in again from
    her own browser would get the refusal too (tests/test_topology.py shows it with nginx).
    """
    from bench.common import PROXY_SITE
    from core.known_browsers import COOKIE_NAME

    site = (DEPLOY / "nginx" / "candor.conf.in").read_text()
    cookies = set(re.findall(r"\$cookie_(\w+)", site))

    assert cookies == {COOKIE_NAME}
    assert set(re.findall(r"\$cookie_(\w+)", PROXY_SITE)) == cookies  # the benchmark's proxy
