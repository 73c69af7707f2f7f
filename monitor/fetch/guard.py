"""The private-address guard's rule: which addresses a link may not reach.

Pure. ``client`` applies it to every hop of a link (an IP literal directly, a name after
``getaddrinfo``); the hostile tests replace ``private_kind`` to let loopback stand in
for the public internet.

Private-address guard. For links, every hop's host is checked before it is asked: an IP
literal directly, a name through ``loop.getaddrinfo`` (once per host per run, failures
included, which is how a link's DNS failure is usually found). ``wire`` resolves the name
again when it connects, so a DNS answer that changes in between (rebinding) slips by.
"""

from __future__ import annotations

import ipaddress


def private_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``ip`` is not a public address ("loopback", "private", ...), None when public."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private:
        return "private"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "reserved"
    return None
