"""
A browser over plain http.client, for tests and benches that talk to a real server
(gunicorn, nginx): one connection a request, redirects not followed unless asked, its
cookies kept (and dropped when the server deletes them), forms posted with their CSRF token.
"""

import http.client
import re
from urllib.parse import urlencode

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    def __init__(self, port: int, *, host: str = "127.0.0.1", timeout: float = 20) -> None:
        self.port, self.host, self.timeout = port, host, timeout
        self.cookies: dict[str, str] = {}

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def headers(self, path: str) -> dict[str, str]:
        """What this browser sends with every request, besides its cookies."""
        return {}

    def request(self, method: str, path: str, fields: dict | None = None):
        """One request: status, headers and the page as text."""
        headers = self.headers(path)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = self.connection()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""'):  # deleted (signing out ends the session)
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return response.status, response.headers, text

    def get(self, path: str):
        return self.request("GET", path)

    def submit(self, path: str, fields: dict, *, page: str | None = None):
        """POST a form with its CSRF token: from `page`, or from GETting the form first."""
        if page is None:
            status, _, page = self.get(path)
            if status != 200:
                raise RuntimeError(f"GET {path}: {status}")
        token = CSRF_TOKEN.search(page)
        if token is None:
            raise RuntimeError(f"no CSRF token in the form at {path}")
        return self.request("POST", path, {"csrfmiddlewaretoken": token[1], **fields})

    def follow(self, path: str) -> tuple[str, str]:
        """GET, following same-site redirects: the path that answered 200, and its page."""
        for _ in range(5):
            status, headers, page = self.get(path)
            if status == 200:
                return path, page
            if status not in (301, 302):
                raise RuntimeError(f"GET {path}: {status}")
            path = headers["Location"]
        raise RuntimeError(f"too many redirects from {path}")
