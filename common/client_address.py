"""Where a request comes from, as far as this server can believe it."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the CLIENT_IP_HEADER a trusted proxy sent.

    Only a connection from FORWARDED_ALLOW_IPS may name another address; as in gunicorn, a
    UNIX-socket connection (no REMOTE_ADDR) counts as the proxy's. A proxy appends the address
    it saw, so with a list the last entry is the one to trust. The audit trail and sign-in
    lockouts (AXES_CLIENT_IP_CALLABLE) both use this.
    """
    peer = request.META.get("REMOTE_ADDR", "")

    def from_proxy() -> bool:
        allowed = settings.FORWARDED_ALLOW_IPS
        if not peer or "*" in allowed:
            return True
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        address = getattr(address, "ipv4_mapped", None) or address
        return any(address in ipaddress.ip_network(proxy) for proxy in allowed)

    header = settings.CLIENT_IP_HEADER
    forwarded = request.META.get(header, "") if header else ""
    raw = forwarded if forwarded and from_proxy() else peer
    candidate = raw.split(",")[-1].strip() if raw else ""
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
