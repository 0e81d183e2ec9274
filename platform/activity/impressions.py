"""Impression logging off the request path.

A home page shows about 80 cards, and inserting 80 rows one by one was ~20 ms of a ~35 ms page (the
table now keeps two B-trees and no foreign-key constraints, `activity.models.Impression`). With `IMPRESSION_BUFFER_URL` set (Redis), a page pushes one compact record to a Redis
list and a beat task moves the buffer into the table in large batches (COPY on PostgreSQL). Without
it (the SQLite default of `make run`, and the tests) impressions are written at once.

Trade-off: impressions reach the table up to one flush interval late, and records still in Redis
are lost if Redis loses its memory. They feed learning, not billing, so that is acceptable.
"""

import json
import logging
import math
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Profile
from catalog.models import MediaAsset, Title
from jobs.bulk import copy_text, insert_rows

from .models import Impression

log = logging.getLogger(__name__)

BUFFER_KEY = "marquee:impressions"
COLUMNS = ["profile_id", "title_id", "surface", "position", "artwork_id", "policy", "propensity", "request_id", "shown_at",
           "context"]
MAX_CONTEXT = 256  # numbers in a logged decision context (the taste vector has 29); longer is malformed


@dataclass(frozen=True)
class Shown:
    """One card as it was shown: which title, where, and which artwork with what probability."""

    title_id: int
    surface: str
    position: int
    artwork_id: int | None
    policy: str
    propensity: float
    context: tuple[float, ...] | None = None  # what the choosing policy saw (the taste vector), if a policy chose


@dataclass
class FlushReport:
    pages: int = 0
    written: int = 0
    dropped: int = 0  # cards whose profile or title was deleted before the flush
    malformed: int = 0


@cache
def _client(url: str):
    import redis

    return redis.Redis.from_url(url)


def buffer_url() -> str:
    return getattr(settings, "IMPRESSION_BUFFER_URL", "")


FLUSH_SCHEDULE_NAME = "Activity: flush buffered impressions"  # created by migration 0003


def sync_flush_schedule() -> bool:
    """Enable beat's 10-second flush only where a buffer exists (called when beat starts).

    Without a buffer the pages write impressions themselves and every run would be a no-op.
    Returns whether the flush is scheduled.
    """
    from django_celery_beat.models import PeriodicTask, PeriodicTasks

    wanted = bool(buffer_url())
    if PeriodicTask.objects.filter(name=FLUSH_SCHEDULE_NAME).exclude(enabled=wanted).update(enabled=wanted):
        PeriodicTasks.update_changed()
    return wanted


def encode_cards(shown: Sequence[Shown]) -> str:
    """The cards of a page in the buffer's JSON form: encode once, log many times (cached pages)."""
    if all(s.context is None for s in shown):  # posters only: one dumps call, as before contexts were logged
        return json.dumps([[s.title_id, s.surface[:40], s.position, s.artwork_id, s.policy, s.propensity, None]
                           for s in shown], separators=(",", ":"))
    contexts: dict[tuple[float, ...], str] = {}  # a page's cards share one context: encode it once, not per card
    cards = []
    for s in shown:
        head = json.dumps([s.title_id, s.surface[:40], s.position, s.artwork_id, s.policy, s.propensity],
                          separators=(",", ":"))
        if s.context is None:
            context = "null"
        else:
            context = contexts.get(s.context)
            if context is None:
                context = contexts[s.context] = json.dumps([float(x) for x in s.context], separators=(",", ":"))
        cards.append(f"{head[:-1]},{context}]")
    return f"[{','.join(cards)}]"


def _card_fields(card: list) -> list:
    # Records buffered before decision contexts were logged have 6 fields; they are written with no context.
    return [*card, None] if isinstance(card, list) and len(card) == 6 else card


def log_impressions(profile_id: int, shown: Sequence[Shown] | str, *, request_id: str | None = None) -> str:
    """Record what one page showed a profile (cards, or `encode_cards` of them); returns the page's request id."""
    request_id = request_id or str(uuid.uuid4())
    encoded = shown if isinstance(shown, str) else encode_cards(shown)
    if encoded == "[]":
        return request_id
    shown_at = timezone.now()
    url = buffer_url()
    if url:
        # Built by hand around the pre-encoded cards: a cached home page pays for no JSON encoding.
        record = f'[{int(profile_id)},"{request_id}","{shown_at.isoformat()}",{encoded}]'
        _client(url).rpush(BUFFER_KEY, record)
    else:
        Impression.objects.bulk_create(
            Impression(profile_id=profile_id, title_id=title_id, surface=surface, position=position,
                       artwork_id=artwork_id, policy=policy, propensity=propensity, request_id=request_id,
                       shown_at=shown_at, context=context)
            for title_id, surface, position, artwork_id, policy, propensity, context in map(
                _card_fields, json.loads(encoded)
            )
        )
    return request_id


def buffered_pages() -> int:
    url = buffer_url()
    return int(_client(url).llen(BUFFER_KEY)) if url else 0


# Row and policy names go into COPY's text format unescaped, so they must be plain identifiers.
_NAME = re.compile(r"[\w.:-]{0,40}")
_checked_names: set[str] = set()  # the few surfaces and policies seen, so each is matched once per process


def _is_name(value: object) -> bool:
    if value in _checked_names:
        return True
    if type(value) is str and _NAME.fullmatch(value) and len(_checked_names) < 10_000:
        _checked_names.add(value)
        return True
    return False


def _rows(raw: bytes) -> list[tuple]:
    """One buffered page as table rows; raises ValueError naming the bad field."""
    try:
        profile_id, request_id, shown_at, cards = json.loads(raw)
        when = datetime.fromisoformat(shown_at)
    except (ValueError, TypeError) as error:
        raise ValueError(f"not a [profile, request, shown_at, cards] record: {error}") from None
    if type(profile_id) is not int or not _NAME.fullmatch(str(request_id)):
        raise ValueError(f"bad profile id {profile_id!r} or request id {request_id!r}")
    rows = []
    for index, card in enumerate(cards):
        try:
            title_id, surface, position, artwork_id, policy, propensity, context = _card_fields(card)
        except (ValueError, TypeError):
            raise ValueError(f"card {index}: expected 7 fields (6 before contexts were logged), got {card!r}") from None
        if type(title_id) is not int or type(position) is not int or not (artwork_id is None or type(artwork_id) is int):
            raise ValueError(f"card {index}: title, position and artwork must be integers, got {card!r}")
        if not (_is_name(surface) and _is_name(policy)):
            raise ValueError(f"card {index}: surface and policy must be short identifiers, got {card!r}")
        if type(propensity) not in (int, float) or not 0 < propensity <= 1:
            raise ValueError(f"card {index}: propensity {propensity!r} is outside (0, 1]")
        if context is not None and not (
            type(context) is list and len(context) <= MAX_CONTEXT
            and all(type(x) in (int, float) and math.isfinite(x) for x in context)
        ):
            raise ValueError(f"card {index}: context must be null or a list of at most {MAX_CONTEXT} finite numbers")
        rows.append(
            (profile_id, title_id, surface, position, artwork_id, policy, float(propensity), request_id, when, context)
        )
    return rows


def flush_buffer(batch_pages: int = 2000) -> FlushReport:
    """Move buffered pages into the Impression table, batch by batch, until the buffer is empty.

    A malformed record is logged with its reason and skipped; cards of since-deleted profiles or titles
    are dropped; an artwork deleted since is recorded as none. If the insert fails, the batch goes back
    to the front of the buffer and the error propagates (the task records it), so nothing is lost.
    """
    report = FlushReport()
    url = buffer_url()
    if not url:
        return report
    client = _client(url)
    while True:
        with client.pipeline(transaction=True) as pipe:
            pipe.lrange(BUFFER_KEY, 0, batch_pages - 1)
            pipe.ltrim(BUFFER_KEY, batch_pages, -1)
            raw_pages, _ = pipe.execute()
        if not raw_pages:
            return report
        try:
            _write(raw_pages, report)
        except Exception:
            client.lpush(BUFFER_KEY, *reversed(raw_pages))
            raise
        report.pages += len(raw_pages)


def _write(raw_pages: list[bytes], report: FlushReport) -> None:
    rows: list[tuple] = []
    for raw in raw_pages:
        try:
            rows.extend(_rows(raw))
        except (ValueError, TypeError) as error:
            report.malformed += 1
            log.warning("impression buffer: skipped a malformed record (%s): %.200r", error, raw)
    profiles = set(Profile.objects.filter(pk__in={r[0] for r in rows}).values_list("pk", flat=True))
    titles = set(Title.objects.filter(pk__in={r[1] for r in rows}).values_list("pk", flat=True))
    artwork = set(MediaAsset.objects.filter(pk__in={r[4] for r in rows if r[4]}).values_list("pk", flat=True))
    kept = [r if r[4] is None or r[4] in artwork else (*r[:4], None, *r[5:])
            for r in rows if r[0] in profiles and r[1] in titles]
    report.dropped += len(rows) - len(kept)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # COPY text, streamed in slices: PostgreSQL ingests one slice while the next is formatted
            # (formatting lines is ~4x cheaper than psycopg's write_row per row).
            null, iso = "\\N", {}
            copy_text(Impression, COLUMNS, (
                "".join(
                    f"{p}\t{t}\t{s}\t{pos}\t{null if a is None else a}\t{pol}\t{prop!r}\t{rid}\t"
                    f"{iso.get(when) or iso.setdefault(when, when.isoformat())}\t"
                    # numbers only (checked in _rows), so the JSON needs no COPY escaping
                    f"{null if c is None else json.dumps(c, separators=(',', ':'))}\n"
                    for p, t, s, pos, a, pol, prop, rid, when, c in kept[start : start + 5000]
                )
                for start in range(0, len(kept), 5000)
            ))
        else:
            insert_rows(Impression, COLUMNS, kept)
    report.written += len(kept)
