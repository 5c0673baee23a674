"""`python -m app.serving.probe`: exit 0 when this machine's server answers /health/ready with 200, else 1.

The container image's HEALTHCHECK runs it, so the image needs no curl: it reads the same HOST and PORT the server
does, asks over loopback when the server listens on every interface, and prints why it failed.
"""

import sys
import urllib.error
import urllib.request

from app.serving.settings import load_serving_settings

TIMEOUT_SECONDS = 3.0
# A server bound to every interface answers on loopback; one bound to a single address answers only there.
WILDCARD_HOSTS = {"", "0.0.0.0", "::"}  # noqa: S104 - compared against, never bound


def readiness_url(host: str, port: int) -> str:
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/health/ready"


def main() -> int:
    settings = load_serving_settings()
    url = readiness_url(settings.host, settings.port)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - a fixed http URL
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"{url}: {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
