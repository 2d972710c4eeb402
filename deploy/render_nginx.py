#!/usr/bin/env python3
"""
Writes Candor's nginx site (deploy/nginx/candor.conf.in) for one deployment.

    python3 deploy/render_nginx.py --server-name status.example.com \\
        --app 10.0.0.11:8001 --app 10.0.0.11:8002 --app 10.0.0.12:8001 \\
        > /etc/nginx/sites-available/candor

Only the standard library: it runs on the proxy, which has no Candor installed.
tests/test_topology.py renders the same file with its own ports and paths.
"""

import argparse
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "nginx" / "candor.conf.in"

STATIC_LOCATION = """    location /static/ {
        alias %s/;
        add_header Cache-Control "public, max-age=31536000, immutable";
        access_log off;
    }"""


def render(
    *,
    server_name: str,
    apps: list[str],
    certificate: str,
    certificate_key: str,
    static_root: str | None,
    proxy_params: str,
    refusals_params: str,
    refusal_cache: str,
    http_port: int = 80,
    https_port: int = 443,
    max_fails: int = 2,
    fail_timeout: int = 5,
) -> str:
    """The site's text; static_root None leaves static files to the app (whitenoise)."""
    if not apps:
        raise ValueError("at least one app server (--app HOST:PORT)")
    servers = "\n".join(
        f"    server {app} max_fails={max_fails} fail_timeout={fail_timeout}s;" for app in apps
    )
    values = {
        "APP_SERVERS": servers,
        "SERVER_NAME": server_name,
        "HTTP_PORT": str(http_port),
        "HTTPS_PORT": str(https_port),
        "HTTPS_PORT_SUFFIX": "" if https_port == 443 else f":{https_port}",
        "TLS_CERTIFICATE": certificate,
        "TLS_CERTIFICATE_KEY": certificate_key,
        "STATIC_LOCATION": STATIC_LOCATION % static_root.rstrip("/") if static_root else "",
        "PROXY_PARAMS": proxy_params,
        "REFUSALS_PARAMS": refusals_params,
        "REFUSAL_CACHE": refusal_cache,
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    if leftover := re.findall(r"@[A-Z_]+@", text):
        raise ValueError(f"not filled in: {leftover}")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-name", required=True, help="e.g. status.example.com")
    parser.add_argument(
        "--app", action="append", required=True, help="an app server, HOST:PORT (repeat)"
    )
    parser.add_argument("--certificate", default="/etc/ssl/candor/fullchain.pem")
    parser.add_argument("--certificate-key", default="/etc/ssl/candor/privkey.pem")
    parser.add_argument("--static-root", default="/srv/candor/staticfiles")
    parser.add_argument(
        "--static-from-app", action="store_true", help="let whitenoise serve /static/"
    )
    parser.add_argument("--proxy-params", default="/etc/nginx/snippets/candor-proxy.conf")
    parser.add_argument("--refusals-params", default="/etc/nginx/snippets/candor-refusals.conf")
    parser.add_argument(
        "--refusal-cache",
        default="/var/lib/nginx/candor-refusals",
        help="where nginx keeps a sign-in storm's refusals (a few KB; created by nginx)",
    )
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument("--https-port", type=int, default=443)
    parser.add_argument("--max-fails", type=int, default=2)
    parser.add_argument("--fail-timeout", type=int, default=5, help="seconds")
    args = parser.parse_args(argv)
    sys.stdout.write(
        render(
            server_name=args.server_name,
            apps=args.app,
            certificate=args.certificate,
            certificate_key=args.certificate_key,
            static_root=None if args.static_from_app else args.static_root,
            proxy_params=args.proxy_params,
            refusals_params=args.refusals_params,
            refusal_cache=args.refusal_cache,
            http_port=args.http_port,
            https_port=args.https_port,
            max_fails=args.max_fails,
            fail_timeout=args.fail_timeout,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
