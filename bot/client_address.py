"""Who is asking: the client's address, read through trusted proxies only.

Used by the REST channel's rate limit and the staff console's lock-out and audit log.
X-Forwarded-For is written by whoever sends the request, so it is believed only from
TRUSTED_PROXIES (comma-separated addresses or networks; none by default).
"""

from __future__ import annotations

import ipaddress
import os

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_proxies(value: str | None = None) -> tuple[Network, ...]:
    """The networks of TRUSTED_PROXIES (or ``value``); ValueError names a bad entry."""
    configured = os.environ.get("TRUSTED_PROXIES", "") if value is None else value
    networks = []
    for item in filter(None, (part.strip() for part in configured.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as error:
            raise ValueError(
                f"TRUSTED_PROXIES: {item!r} is not an IP address or network "
                "(for example 127.0.0.1 or 10.0.0.0/8)."
            ) from error
    return tuple(networks)


def client_address(
    remote_addr: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]
) -> str | None:
    """``remote_addr``, or when that is a trusted proxy, the nearest untrusted hop.

    Each proxy appends the address it saw, so only the right-hand end of the header is
    vouched for: walk it from the right past trusted proxies and stop at the first
    address none of them is (anything left of that was written by the client itself).
    """
    client = _parse(remote_addr or "")
    if client is None or not _is_trusted(client, trusted):
        return remote_addr
    for hop in reversed((forwarded_for or "").split(",")):
        address = _parse(hop)
        if address is None:  # garbled: keep the last address a trusted proxy vouched for
            break
        client = address
        if not _is_trusted(address, trusted):
            break
    return str(client)


def _parse(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, trusted: tuple[Network, ...]) -> bool:
    return any(address in network for network in trusted)
