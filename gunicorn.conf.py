"""gunicorn settings for shuanglian: `gunicorn -c gunicorn.conf.py` (scripts/production runs it).

Everything comes from environment variables, like the Django settings; a value that is not a
whole number stops gunicorn at start-up with a message saying which.
"""

import multiprocessing
import os
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a whole number.") from None


wsgi_app = "shuanglian.wsgi:application"

# Only the reverse proxy on this machine reaches gunicorn unless told otherwise, e.g.
# GUNICORN_BIND=0.0.0.0:8000 with the proxy on another machine (and FORWARDED_ALLOW_IPS).
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
# The proxies whose X-Forwarded-* headers count. The Django settings read the same variable,
# with the same default, to decide whose CLIENT_IP_HEADER to believe.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Synchronous workers: every request is short database work, and the proxy buffers slow
# clients and large uploads, so a worker is never held by a phone on a weak signal.
workers = _env_int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
# Exports of a whole county's households are built within the request.
timeout = _env_int("GUNICORN_TIMEOUT", 120)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5

# Recycle workers now and then so a slow leak cannot grow; the jitter keeps them from all
# restarting at once.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# Safe: loading Django opens no database connection and starts no thread, so the workers
# share the loaded code without sharing a connection. A code change needs a restart (not HUP).
preload_app = True

# The heartbeat file is touched every few seconds; keep it off the disk where there is a tmpfs
# (gunicorn creates it there with mkstemp).
_SHM = Path("/dev/shm")  # noqa: S108
if _SHM.is_dir():
    worker_tmp_dir = str(_SHM)

# gunicornc's control socket sits at one path per user; several instances would share it.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The path without its query string: searches carry names, resident IDs and phone numbers.
# First X-Forwarded-For (its last entry is the address nginx saw), then the proxy itself.
access_log_format = (
    '%({x-forwarded-for}i)s %(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
)
proc_name = "shuanglian"
