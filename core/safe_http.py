"""
POSTing to an address someone else typed in, without letting them aim us at our own network.

A URL is checked after DNS resolution: every address the name resolves to must be a
public one (no private, loopback, link-local, shared, reserved or multicast range, an
IPv4 address hidden in IPv6 included), and the connection goes to the address that was
checked, never to a second lookup (DNS rebinding). Redirects are never followed: a 3xx
is an answer like any other, reported to the caller, so a public endpoint cannot bounce
us to 169.254.169.254. Only HTTPS, unless `allow_loopback` (tests, development), which
also lets plain HTTP reach loopback addresses and nothing else.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit


class UnsafeDestination(Exception):
    """The URL may not be reached (scheme, address); the message says why."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    location: str = ""


def _allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool):
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if allow_loopback and address.is_loopback:
        return True
    # is_global is False for private, loopback, link-local, 100.64/10, reserved and the rest;
    # multicast is "global" in some ranges, and never a web server.
    return address.is_global and not address.is_multicast


def destination_check(url: str, *, allow_loopback: bool = False) -> tuple[str, int, str]:
    """
    The (scheme, port, address) to connect to for `url`, after resolving its host and
    checking every address it has. Raises UnsafeDestination.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeDestination("only https:// addresses")
    if parts.username or parts.password:
        raise UnsafeDestination("no user name or password in the address")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise UnsafeDestination("bad port") from error
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeDestination(f"the name {parts.hostname!r} does not resolve") from error
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]
    if not addresses:
        raise UnsafeDestination(f"the name {parts.hostname!r} does not resolve")
    for address in addresses:
        if not _allowed(address, allow_loopback):
            raise UnsafeDestination(f"{parts.hostname} resolves to a private address ({address})")
    if parts.scheme == "http" and not (allow_loopback and all(a.is_loopback for a in addresses)):
        raise UnsafeDestination("only https:// addresses")
    return parts.scheme, port, str(addresses[0])


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with the certificate checked against the URL's host."""

    def __init__(self, host, address, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, address, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    allow_loopback: bool = False,
    max_response: int = 2048,
) -> Response:
    """
    POST `body` to `url` at an address checked by `destination_check`, within
    `timeout` seconds per step. Raises UnsafeDestination, or OSError when the
    endpoint cannot be reached; a redirect is returned, not followed.
    """
    scheme, port, address = destination_check(url, allow_loopback=allow_loopback)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if scheme == "https":
        connection = _PinnedHTTPSConnection(
            parts.hostname,
            address,
            port=port,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        connection = _PinnedHTTPConnection(parts.hostname, address, port=port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        return Response(
            status=answer.status,
            body=answer.read(max_response),
            location=answer.getheader("Location", ""),
        )
    except http.client.HTTPException as error:
        raise OSError(f"bad HTTP answer: {error!r}") from error
    finally:
        connection.close()
