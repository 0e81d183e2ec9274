"""The server side of bench/web_load.py: the bench database, manage.py, session cookies, the impression
flusher, and waiting for gunicorn to answer."""

import http.client
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_database(url: str, fresh: bool) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def manage(env: dict, *args: str) -> None:
    print("$ manage.py", " ".join(args), flush=True)
    subprocess.run([PYTHON, "manage.py", *args], cwd=REPO, env=env, check=True)


def bench_sessions(env: dict, count: int) -> list[str]:
    """Session cookies of `count` onboarded demo profiles, made in the bench database directly."""
    code = f"""
import django, json
django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from accounts.access import SESSION_PROFILE_KEY
from accounts.models import Profile
profiles = list(Profile.objects.filter(account__is_staff=False, viewing_events__isnull=False)
                .select_related("account").distinct().order_by("id")[:{count}])
keys = []
for p in profiles:
    if p.onboarded_at is None:
        p.onboarded_at = timezone.now(); p.save(update_fields=["onboarded_at"])
    s = SessionStore()
    s[SESSION_KEY] = str(p.account.pk); s[BACKEND_SESSION_KEY] = "accounts.cached.CachedModelBackend"
    s[HASH_SESSION_KEY] = p.account.get_session_auth_hash(); s[SESSION_PROFILE_KEY] = p.pk
    s.create(); keys.append(s.session_key)
print(json.dumps(keys))
"""
    out = subprocess.run([PYTHON, "-c", code], cwd=REPO, env=env, check=True, capture_output=True, text=True)
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


FLUSHER = """
import django, json, os, sys, time
from dataclasses import asdict
django.setup()
from django.db import connection
from activity.impressions import flush_buffer
from activity.models import Impression

def backend_cpu():  # CPU seconds of this process's PostgreSQL backend (same machine), or None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None

for line in sys.stdin:  # "flush", or "count" (kept out of the flush timing: a count scans the table)
    if line.strip() == "flush":
        own, pg = time.process_time(), backend_cpu()
        reply = asdict(flush_buffer())
        after = backend_cpu()
        reply["cpu_s"] = time.process_time() - own + (after - pg if pg is not None and after is not None else float("nan"))
    else:
        reply = {"rows": Impression.objects.count()}
    print(json.dumps(reply), flush=True)
"""


class Flusher:
    """A Django process that empties the impression buffer on request (what the beat task does)."""

    def __init__(self, env: dict) -> None:
        self.process = subprocess.Popen([PYTHON, "-c", FLUSHER], cwd=REPO, env=env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def ask(self, command: str) -> dict:
        import json

        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def flush(self) -> tuple[float, dict]:
        started = time.perf_counter()
        report = self.ask("flush")
        return time.perf_counter() - started, report

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer on 127.0.0.1:{port} within {timeout}s")
