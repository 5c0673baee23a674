"""The client's IP: the socket peer, unless that peer is a trusted proxy (FORWARDED_ALLOW_IPS); then X-Forwarded-For.

The rule is uvicorn's own (its proxy-headers middleware reads the same variable), so `request.client` and
`request.state.client_ip` name the same address: the right-most X-Forwarded-For hop that is not a trusted proxy,
or the left-most when every hop is trusted. uvicorn rewrites `scope["client"]` before the app runs but leaves the
header alone, so applying the same rule again over the same list gives the same answer.
"""

import ipaddress
import os
from collections.abc import Iterable
from functools import lru_cache

from loguru import logger
from starlette.types import Scope

UNKNOWN_CLIENT = "unknown"
# What uvicorn trusts when FORWARDED_ALLOW_IPS is not in its environment (it does not read .env).
UVICORN_DEFAULT_TRUSTED = "127.0.0.1,::1"
_LONGEST_HOST = 253

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    def __init__(self, entries: Iterable[str]) -> None:
        self.entries = frozenset(entry.strip() for entry in entries if entry.strip())
        self.trust_all = "*" in self.entries
        self._addresses: set[IPAddress] = set()
        self._networks: list[IPNetwork] = []
        self._literals: set[str] = set()  # anything else, e.g. a unix socket name, compared as written
        for entry in self.entries - {"*"}:
            try:
                if "/" in entry:
                    self._networks.append(ipaddress.ip_network(entry, strict=False))
                else:
                    self._addresses.add(ipaddress.ip_address(entry))
            except ValueError:
                self._literals.add(entry)
        self._trusts = lru_cache(maxsize=4096)(self._compute_trust)

    def __contains__(self, host: str | None) -> bool:
        if self.trust_all:
            return True
        if not host or len(host) > _LONGEST_HOST:
            return False
        return self._trusts(host)

    def client_ip(self, scope: Scope) -> str:
        peer = scope["client"][0] if scope.get("client") else None
        if peer not in self:
            return peer or UNKNOWN_CLIENT
        hops = _forwarded_hops(scope)
        if not hops:
            return peer or UNKNOWN_CLIENT
        return self._forwarded_client(hops) or peer or UNKNOWN_CLIENT

    def forwarded_by_trusted_proxy(self, scope: Scope) -> bool:
        """Whether the request's other `X-Forwarded-*` headers may be believed: a trusted proxy sent it.

        uvicorn has already replaced a trusted peer by the client it names, so the peer is either still here
        (trusted) or is the client its `X-Forwarded-For` gives. A peer that writes its own address as the last
        hop passes too, and can only change what its own answer says.
        """
        client = scope["client"][0] if scope.get("client") else None
        if client in self:
            return True
        hops = _forwarded_hops(scope)
        return bool(hops) and client == self._forwarded_client(hops)

    def _forwarded_client(self, hops: list[str]) -> str:
        # Each proxy appends the address it saw, so the first hop from the right that no trusted proxy wrote
        # is the client; anything to its left was written by the client itself.
        for hop in reversed(hops):
            host = _host_of(hop)
            if host not in self:
                return host
        return _host_of(hops[0])

    def _compute_trust(self, host: str) -> bool:
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return host in self._literals
        return ip in self._addresses or any(ip in network for network in self._networks)


def warn_if_uvicorn_disagrees(trusted: TrustedProxies) -> None:
    """Uvicorn reads FORWARDED_ALLOW_IPS from the environment only; a value set in .env reaches just the app."""
    uvicorn_sees = TrustedProxies(os.environ.get("FORWARDED_ALLOW_IPS", UVICORN_DEFAULT_TRUSTED).split(","))
    if uvicorn_sees.entries != trusted.entries:
        logger.warning(
            "FORWARDED_ALLOW_IPS differs between the app ({}) and uvicorn's environment ({}): export it (not only "
            "in .env) so uvicorn's proxy-headers handling believes the same proxies",
            ",".join(sorted(trusted.entries)),
            ",".join(sorted(uvicorn_sees.entries)),
        )
    if trusted.trust_all:
        logger.warning(
            "FORWARDED_ALLOW_IPS=* believes X-Forwarded-For from any peer: clients can pick the address that rate "
            "limits and logs see unless the proxy in front overwrites the header; list the proxy's addresses instead"
        )


def _forwarded_hops(scope: Scope) -> list[str]:
    # Every X-Forwarded-For line, in order: some proxies append a line of their own instead of a hop.
    return [
        hop.strip()
        for name, value in scope["headers"]
        if name == b"x-forwarded-for"
        for hop in value.decode("latin-1").split(",")
    ]


def _host_of(hop: str) -> str:
    """`203.0.113.7`, `203.0.113.7:5123`, `[2001:db8::1]:443` or `2001:db8::1` → the address alone."""
    if hop.startswith("["):
        end = hop.find("]")
        if end == -1 or (hop[end + 1 :] and not hop[end + 1 :].startswith(":")):
            return hop
        return hop[1:end]
    if hop.count(":") == 1:
        host, port = hop.rsplit(":", 1)
        return host if port.strip().isdigit() else hop
    return hop
