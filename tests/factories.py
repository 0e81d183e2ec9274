"""Tiny builders for exactly the rows a test needs (no fixtures files, no randomness unless asked)."""

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.access import SESSION_PROFILE_KEY
from accounts.models import Plan, Profile, User
from activity.models import Rating, ViewingEvent
from catalog.models import Genre, Region, Tag, Title, TitleTag

_seq = itertools.count(1)


def make_region(code: str = "US", name: str = "United States") -> Region:
    return Region.objects.get_or_create(code=code, defaults={"name": name})[0]


def make_plan(code: str = "standard") -> Plan:
    return Plan.objects.get_or_create(code=code, defaults={"name": code.title(), "monthly_price": "9.99"})[0]


def make_account(email: str | None = None, password: str = "correct-horse-battery", **fields) -> User:
    email = email or f"viewer{next(_seq)}@example.test"
    return User.objects.create_user(email=email, password=password, **fields)


def make_profile(account: User | None = None, name: str | None = None, **fields) -> Profile:
    account = account or make_account()
    return Profile.objects.create(account=account, name=name or f"Profile {next(_seq)}", **fields)


def make_genre(name: str) -> Genre:
    from django.utils.text import slugify

    return Genre.objects.get_or_create(name=name, defaults={"slug": slugify(name)})[0]


def make_tag(name: str, description: str = "") -> Tag:
    from django.utils.text import slugify

    return Tag.objects.get_or_create(name=name, defaults={"slug": slugify(name), "description": description})[0]


def make_title(name: str | None = None, *, genres: list[str] = (), tags: list[str] = (), **fields) -> Title:
    title = Title.objects.create(name=name or f"Title {next(_seq)}", **fields)
    if genres:
        title.genres.set([make_genre(g) for g in genres])
    for tag in tags:
        TitleTag.objects.create(title=title, tag=make_tag(tag), source=TitleTag.Source.STAFF, confidence=1.0)
    return title


def rate(profile: Profile, title: Title, stars: float | None = None, thumb: int | None = None,
         when: datetime | None = None) -> Rating:
    return Rating.objects.create(profile=profile, title=title, stars=stars, thumb=thumb, rated_at=when or timezone.now())


def watch(profile: Profile, title: Title, completion: float = 1.0, when: datetime | None = None,
          seconds: int = 3600) -> ViewingEvent:
    return ViewingEvent.objects.create(
        profile=profile, title=title, completion=completion, seconds_watched=int(seconds * completion),
        started_at=when or timezone.now() - timedelta(hours=1),
    )


def signed_in(client, profile: Profile, *, account: User | None = None):
    """`client` signed in as `profile`'s account (or `account`, to forge a session) with `profile` chosen."""
    client.force_login(account or profile.account)
    session = client.session
    session[SESSION_PROFILE_KEY] = profile.pk
    session.save()
    return client


def restore_staff_groups() -> None:
    """Write the staff groups again, as the migrations that grant them did: a transactional test's
    flush empties every table, and these groups are rows, so a later live-server test needs them back."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    loader = MigrationLoader(connection)
    apps = loader.project_state().apps
    for app_label, name in _plan(loader):
        for operation in loader.graph.nodes[(app_label, name)].operations:
            if isinstance(operation, RunPython) and "grant" in operation.code.__code__.co_names:
                operation.code(apps, None)


def _plan(loader) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    for leaf in loader.graph.leaf_nodes():
        seen += [node for node in loader.graph.forwards_plan(leaf) if node not in seen]
    return seen
