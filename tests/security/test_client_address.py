"""Which address is the client: the socket peer, or X-Forwarded-For only when a trusted proxy sent it.

The rule must agree with uvicorn's own proxy-headers handling, which reads the same FORWARDED_ALLOW_IPS.
"""

from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.shared.http.middleware.client_address import TrustedProxies, warn_if_uvicorn_disagrees
from app.shared.rate_limits.limiter import client_identity
from tests.security.logs import captured_logs

PROXY = "10.0.0.5"
CLIENT = "203.0.113.7"


def scope(peer: str | None, *forwarded_for: str) -> Scope:
    return {
        "type": "http",
        "client": (peer, 40000) if peer is not None else None,
        "headers": [(b"x-forwarded-for", value.encode("latin-1")) for value in forwarded_for],
    }


def test_a_forged_header_from_an_untrusted_peer_changes_nothing() -> None:
    trusted = TrustedProxies([PROXY])
    assert trusted.client_ip(scope(CLIENT, "1.1.1.1")) == CLIENT
    assert trusted.client_ip(scope(CLIENT, "1.1.1.1, 10.0.0.5")) == CLIENT


def test_a_trusted_proxy_names_the_client_it_saw() -> None:
    trusted = TrustedProxies([PROXY])
    assert trusted.client_ip(scope(PROXY, CLIENT)) == CLIENT
    # Whatever the client wrote itself sits left of what the proxy appended, and is ignored.
    assert trusted.client_ip(scope(PROXY, f"1.1.1.1, {CLIENT}")) == CLIENT


def test_a_chain_of_trusted_proxies_is_skipped_right_to_left() -> None:
    trusted = TrustedProxies(["10.0.0.0/8", "127.0.0.1"])
    assert trusted.client_ip(scope("127.0.0.1", f"6.6.6.6, {CLIENT}, 10.1.2.3")) == CLIENT


def test_every_forwarded_for_line_counts_in_order() -> None:
    # Some proxies (HAProxy's `option forwardfor`) add a line of their own; the client's own line comes first.
    trusted = TrustedProxies([PROXY])
    assert trusted.client_ip(scope(PROXY, "1.1.1.1", CLIENT)) == CLIENT


def test_ports_and_brackets_are_not_part_of_the_address() -> None:
    trusted = TrustedProxies([PROXY])
    assert trusted.client_ip(scope(PROXY, f"{CLIENT}:5123")) == CLIENT
    assert trusted.client_ip(scope(PROXY, "[2001:db8::7]:443")) == "2001:db8::7"
    assert trusted.client_ip(scope(PROXY, "2001:db8::7")) == "2001:db8::7"


def test_when_every_hop_is_trusted_the_left_most_is_the_client() -> None:
    trusted = TrustedProxies(["10.0.0.0/8"])
    assert trusted.client_ip(scope(PROXY, "10.9.9.9, 10.0.0.6")) == "10.9.9.9"


def test_a_trusted_peer_without_the_header_or_with_an_empty_one_is_the_client() -> None:
    trusted = TrustedProxies([PROXY])
    assert trusted.client_ip(scope(PROXY)) == PROXY
    assert trusted.client_ip(scope(PROXY, "")) == PROXY


def test_no_peer_address_is_unknown_unless_everyone_is_trusted() -> None:
    assert TrustedProxies([PROXY]).client_ip(scope(None, CLIENT)) == "unknown"
    assert TrustedProxies(["*"]).client_ip(scope(None, CLIENT)) == CLIENT


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded_for"),
    [
        (["127.0.0.1", "::1"], "127.0.0.1", ["198.51.100.1"]),
        (["127.0.0.1", "::1"], "198.51.100.9", ["1.1.1.1"]),
        (["127.0.0.1", "::1"], "::1", ["1.1.1.1, 2.2.2.2"]),
        (["10.0.0.0/8"], "10.0.0.1", ["1.1.1.1, 10.2.2.2, 10.3.3.3"]),
        (["10.0.0.0/8"], "10.0.0.1", ["10.2.2.2, 10.3.3.3"]),
        (["10.0.0.0/8"], "10.0.0.1", ["1.1.1.1", "2.2.2.2"]),
        (["10.0.0.0/8"], "10.0.0.1", ["1.1.1.1:80, [2001:db8::1]:443"]),
        (["10.0.0.0/8"], "10.0.0.1", [""]),
        (["10.0.0.5", "2001:db8::/32"], "2001:db8::9", ["203.0.113.9, 2001:db8::3"]),
        (["*"], "198.51.100.9", ["1.1.1.1, 2.2.2.2"]),
        (["*"], "198.51.100.9", []),
    ],
)
async def test_the_app_and_uvicorn_name_the_same_client(
    trusted: list[str], peer: str, forwarded_for: list[str]
) -> None:
    request = scope(peer, *forwarded_for)
    seen: dict[str, Any] = {}

    async def app(inner: Scope, _receive: Receive, _send: Send) -> None:
        seen["uvicorn"] = inner["client"][0]
        # Behind uvicorn the app sees uvicorn's rewritten peer; the header is still there, and must agree.
        seen["app_behind_uvicorn"] = TrustedProxies(trusted).client_ip(inner)

    async def receive() -> Message:
        return {"type": "http.request"}

    async def send(_message: Message) -> None:
        return None

    await ProxyHeadersMiddleware(app, trusted_hosts=trusted)(dict(request), receive, send)  # type: ignore[arg-type]
    ours = TrustedProxies(trusted).client_ip(request)
    assert ours == seen["uvicorn"] == seen["app_behind_uvicorn"]


def test_ipv6_clients_are_counted_by_their_64_prefix() -> None:
    assert client_identity("2001:db8:1:2:aaaa::1") == client_identity("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert client_identity("2001:db8:1:3::1") != client_identity("2001:db8:1:2::1")


def test_ipv4_clients_are_counted_by_their_address() -> None:
    assert client_identity("203.0.113.7") == "203.0.113.7"
    assert client_identity("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_identity("unknown") == "unknown"


def test_a_list_uvicorn_does_not_see_is_reported_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5")
    with captured_logs("WARNING") as agreeing:
        warn_if_uvicorn_disagrees(TrustedProxies(["10.0.0.5"]))
    monkeypatch.delenv("FORWARDED_ALLOW_IPS")
    with captured_logs("WARNING") as disagreeing:
        warn_if_uvicorn_disagrees(TrustedProxies(["10.0.0.5"]))
    assert agreeing == []
    [warning] = [record["message"] for record in disagreeing]
    assert "uvicorn" in warning
    assert "(10.0.0.5)" in warning
    assert "(127.0.0.1,::1)" in warning


def test_trusting_everyone_is_called_out_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    with captured_logs("WARNING") as records:
        warn_if_uvicorn_disagrees(TrustedProxies(["*"]))
    [warning] = [record["message"] for record in records]
    assert "FORWARDED_ALLOW_IPS=*" in warning


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "believed"),
    [
        (PROXY, [], True),
        (PROXY, [CLIENT], True),
        (PROXY, [f"1.1.1.1, {CLIENT}"], True),
        (CLIENT, [], False),
        (CLIENT, ["1.1.1.1"], False),
        (CLIENT, [f"{CLIENT}, 1.1.1.1"], False),
    ],
)
async def test_other_forwarded_headers_are_believed_behind_uvicorn_only_from_a_trusted_proxy(
    peer: str, forwarded_for: list[str], believed: bool
) -> None:
    seen: dict[str, bool] = {}

    async def app(inner: Scope, _receive: Receive, _send: Send) -> None:
        seen["believed"] = TrustedProxies([PROXY]).forwarded_by_trusted_proxy(inner)

    async def receive() -> Message:
        return {"type": "http.request"}

    async def send(_message: Message) -> None:
        return None

    request = scope(peer, *forwarded_for)
    await ProxyHeadersMiddleware(app, trusted_hosts=[PROXY])(request, receive, send)  # type: ignore[arg-type]
    assert seen["believed"] is believed
