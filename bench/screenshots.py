"""Screenshots of the home page, a title page playing its preview, the staff dashboard and the queue monitor
for docs/, taken with Debian's Chromium (launched the way the browser tests launch it, tests/browser.py).

    .venv/bin/python bench/screenshots.py [--database-url postgres://postgres@127.0.0.1:5432/marquee_bench]
        [--only title-preview.png,home.png]

Uses the database `bench/web_load.py` seeds (run that first), serves it with gunicorn (DEBUG=1 so
posters and videos are served from MEDIA_ROOT), signs in as the demo viewer and the demo staff member.
That database is seeded without a worker, so the demo videos are put through the media pipeline here
first (in this process, once), which proposes their preview windows, and the support engine is built
if none is active (as `make run` does).
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web_load import PYTHON, REPO, free_port, wait_for  # noqa: E402

sys.path.insert(0, str(REPO / "tests"))
from browser import CHROMIUM, open_chromium  # noqa: E402


def demo_sessions(env: dict) -> dict:
    code = """
import django, json
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from accounts.access import SESSION_PROFILE_KEY
from accounts.models import Profile, User
from activity.models import ViewingEvent
def session(user, profile=None):
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk); s[BACKEND_SESSION_KEY] = "accounts.cached.CachedModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if profile: s[SESSION_PROFILE_KEY] = profile.pk
    s.create(); return s.session_key
# The richest demo history makes the most telling screenshot.
profile = (Profile.objects.filter(account__is_staff=False).annotate(n=django.db.models.Count("viewing_events"))
           .order_by("-n", "id").select_related("account").first())
profile.onboarded_at = profile.onboarded_at or timezone.now(); profile.save()
staff = User.objects.get(email=settings.DEMO_STAFF_EMAIL)
# A title the viewer stopped half-way through, for the watch page resuming.
from activity.models import ViewingEvent
halfway = (ViewingEvent.objects.filter(profile=profile, hidden_at__isnull=True, completion__gt=0.2,
                                       completion__lt=ViewingEvent.FINISHED_AT).order_by("-started_at").first())
# A title with a preview for the title page: no worker ran the seeded videos' pipeline, so run it here
# (eagerly: the pipeline's end proposes the preview windows, as a worker would).
from artwork.models import PreviewCandidate
from catalog.models import MediaAsset, Title
from tagging.services import pipeline_signature
from marquee.celery import app
app.conf.task_store_eager_result = True  # each step's final state, or the job history shows them in PROGRESS
if not PreviewCandidate.objects.filter(approved=True, asset__status=MediaAsset.Status.READY).exists():
    for asset_id in MediaAsset.objects.filter(kind=MediaAsset.Kind.VIDEO, status=MediaAsset.Status.PENDING
                                              ).values_list("pk", flat=True):
        pipeline_signature(asset_id).apply()
# The chat screenshot needs the support engine, as `make run` builds it (the load-test seeding does not).
from support_bot.index import build_index
from support_bot.models import EngineIndex
if not EngineIndex.objects.filter(is_active=True).exists():
    build_index()
previewed = (Title.objects.visible_to(profile).filter(preview_candidates__approved=True,
             preview_candidates__asset__status=MediaAsset.Status.READY).order_by("pk").first())
print(json.dumps({"viewer": session(profile.account, profile), "staff": session(staff),
                  "resume_title": halfway.title_id if halfway else None,
                  "preview_title": previewed.pk if previewed else None}))
"""
    out = subprocess.run([PYTHON, "-c", code], cwd=REPO, env={**env, "CELERY_TASK_ALWAYS_EAGER": "1"}, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def wait_for_preview(page, seconds: float = 20) -> None:
    """Until the title page's preview has played a second of its window (polled with page.evaluate:
    page.wait_for_function compiles its predicate in the page, which the CSP refuses)."""
    playing = """(v => !!v && !v.paused && v.played.length > 0 && v.played.end(0) - v.played.start(0) > 1)
                 (document.querySelector('video[data-title-preview]'))"""
    for _ in range(int(seconds * 10)):
        if page.evaluate(playing):
            return
        page.wait_for_timeout(100)
    raise SystemExit("the title page's preview did not play")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/marquee_bench")
    parser.add_argument("--chromium", default=CHROMIUM)
    parser.add_argument("--out", default=str(REPO / "docs"))
    parser.add_argument("--only", default="", help="comma-separated file names to take (default: all)")
    args = parser.parse_args()
    wanted = {name for name in args.only.split(",") if name}
    env = {**os.environ, "DATABASE_URL": args.database_url, "DEBUG": "1", "LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "marquee.settings",
           "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "platform")])}
    sessions = demo_sessions(env)
    port = free_port()
    server = subprocess.Popen([PYTHON, "-m", "gunicorn", "marquee.wsgi:application", "--bind", f"127.0.0.1:{port}",
                               "--workers", "2", "--log-level", "warning"], cwd=REPO, env=env)
    try:
        wait_for(port)
        base = f"http://127.0.0.1:{port}"
        with open_chromium(args.chromium) as browser:
            shots = [("viewer", "/", "home.png", {"width": 1366, "height": 1100}),
                     ("viewer", "/", "home-phone.png", {"width": 390, "height": 844}),
                     ("staff", "/admin/dashboard/", "dashboard.png", {"width": 1366, "height": 1300}),
                     ("staff", "/admin/dashboard/queues/", "queues.png", {"width": 1366, "height": 700}),
                     ("viewer", "/account/", "account.png", {"width": 1366, "height": 1100}),
                     ("viewer", "/?chat", "chat.png", {"width": 1366, "height": 900})]
            if sessions.get("resume_title"):
                shots.append(("viewer", f"/watch/{sessions['resume_title']}/", "watch-resume.png",
                              {"width": 1366, "height": 900}))
            if sessions.get("preview_title"):
                shots.append(("viewer", f"/title/{sessions['preview_title']}/", "title-preview.png",
                              {"width": 1366, "height": 900}))
            else:
                print("no title with a preview: title-preview.png not taken", file=sys.stderr)
            for who, path, name, viewport in shots:
                if wanted and name not in wanted:
                    continue
                context = browser.new_context(viewport=viewport)
                context.add_cookies([{"name": "sessionid", "value": sessions[who], "url": base}])
                page = context.new_page()
                page.goto(base + path, wait_until="networkidle")
                if name == "chat.png":  # the Help panel open, with one question answered
                    page.click(".support-chat-toggle")
                    page.fill("#support-chat input[name=question]", "When is my next payment?")
                    page.press("#support-chat input[name=question]", "Enter")
                    page.wait_for_selector(".support-chat-log .from-bot", timeout=20_000)
                if name == "title-preview.png":  # the muted preview playing over the artwork, a second in
                    wait_for_preview(page)
                page.screenshot(path=str(Path(args.out) / name), full_page=name not in ("home.png", "chat.png"))
                print("wrote", Path(args.out) / name)
                context.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
