"""A real sender process killed (SIGKILL) mid-batch, then the batch retried: nobody gets the campaign twice."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from factories import make_account, make_profile, make_region
from marketing import campaigns, sending
from marketing.models import Campaign, Offer, Recipient, Segment, SegmentRule

REPO_ROOT = Path(__file__).resolve().parents[1]
S = Recipient.State

SENDER = """
import django, sys
django.setup()
from marketing import sending
sending.send_batch(int(sys.argv[1]), size=40)
"""


def _recipients_in(folder: Path) -> list[str]:
    found = []
    for path in folder.glob("*.log"):
        found += [line.split(":", 1)[1].strip() for line in path.read_text().splitlines() if line.startswith("To:")]
    return found


@pytest.mark.slow
def test_a_sender_process_killed_mid_batch_and_retried_sends_nobody_twice(requires_postgres, transactional_db,
                                                                           tmp_path, settings):
    us = make_region("US")
    for i in range(40):
        make_profile(make_account(f"k{i}@x.test", region=us, marketing_consent=True))
    segment = Segment.objects.create(name="all")
    SegmentRule.objects.create(segment=segment, field="region", operator="is", value="US")
    campaign = Campaign.objects.create(name="kill", segment=segment, subject="Hi", html_body="<p>{offer}</p>",
                                       text_body="{offer}", holdout_share=0.0)
    Offer.objects.create(campaign=campaign, code="ten-off", headline="10% off")
    campaigns.start(campaign)

    db = connection.settings_dict
    outbox = tmp_path / "mail"
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "marquee.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(outbox),
        "MARKETING_SEND_RATE": "20",  # slow enough to be killed mid-batch
        "MARKETING_SEND_CHUNK": "1",
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "platform")]),
    }
    sender = subprocess.Popen([sys.executable, "-c", SENDER, str(campaign.pk)], cwd=REPO_ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while Recipient.objects.filter(campaign=campaign, state=S.SENT).count() < 5:
            assert sender.poll() is None and time.monotonic() < deadline, "the sender ended before it was killed"
            time.sleep(0.05)
        os.kill(sender.pid, signal.SIGKILL)
        sender.wait(timeout=10)
    finally:
        if sender.poll() is None:
            sender.kill()
    first = _recipients_in(outbox)
    assert 5 <= len(first) < 40

    # The retry, once the dead batch's claim is stale (as the next beat run or redelivered task would).
    settings.MARKETING_SEND_CHUNK = 1
    later = timezone.now() + sending.STALE_CLAIM + timedelta(minutes=1)
    while sending.send_batch(campaign.pk, size=40, now=lambda: later)["remaining"]:
        pass
    everyone = first + [m.to[0] for m in mail.outbox]
    assert len(everyone) == len(set(everyone))  # nobody twice
    in_doubt = Recipient.objects.filter(campaign=campaign, state=S.INTERRUPTED).count()
    assert in_doubt <= 1  # at most the message in flight at the kill
    assert len(set(everyone)) >= 40 - in_doubt
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.FINISHED
