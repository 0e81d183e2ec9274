"""Is a service reachable? `python tests/service_check.py postgres URL` exits 0 if so (used by the Makefile)."""

import socket
import sys
from urllib.parse import urlparse


def reachable(url: str, default_port: int, timeout: float = 1.0) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout):
            return True
    except OSError:
        return False


def postgres_reachable(url: str) -> bool:
    return reachable(url, 5432)


def redis_reachable(url: str) -> bool:
    if not reachable(url, 6379):
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


if __name__ == "__main__":
    kind, url = sys.argv[1], sys.argv[2]
    ok = postgres_reachable(url) if kind == "postgres" else redis_reachable(url)
    sys.exit(0 if ok else 1)
