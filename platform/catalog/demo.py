"""A deterministic demo world: catalogue with posters and short videos, subscribers with hidden tastes.

Viewing follows each profile's hidden taste over genres and tags, so a recommender has
real structure to learn; the same seed always builds the same world.

Tastes differ by region by construction, so regional insights have something to find: a profile's genre
taste is its own Dirichlet(0.3) draw x 3 plus its region's Dirichlet(0.3) draw x 4 (the region's taste
outweighs its own), and its tag taste is its own Dirichlet(0.2) x 6 plus its region's Dirichlet(0.2) x 3.
The regions' tastes come from their own generator (seed + 11), so they do not shift the other draws.
"""

import hashlib
import math
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.membership import past_invoices
from accounts.models import Invoice, Plan, Profile, User
from activity.models import MyListEntry, Rating, SearchQuery, ViewingEvent

from .models import Genre, MediaAsset, Region, Tag, Title, TitleAvailability, TitleTag
from .synthetic_media import POSTER_SIZE, demo_video, poster_png
from .vocabulary import read_vocabulary

REGIONS = [("US", "United States"), ("GB", "United Kingdom"), ("DE", "Germany"), ("IN", "India"),
           ("BR", "Brazil"), ("JP", "Japan")]
PLANS = [("basic", "Basic", "6.99", 1, 1, "SD", False), ("standard", "Standard", "11.99", 3, 2, "HD", False),
         ("premium", "Premium", "17.99", 5, 4, "UHD", True)]
GENRES = {
    "Action": "#c0392b", "Adventure": "#d35400", "Animation": "#f39c12", "Comedy": "#f1c40f",
    "Crime": "#7f8c8d", "Documentary": "#16a085", "Drama": "#8e44ad", "Family": "#27ae60",
    "Fantasy": "#9b59b6", "Horror": "#2c3e50", "Mystery": "#34495e", "Romance": "#e84393",
    "Sci-Fi": "#2980b9", "Thriller": "#636e72", "War": "#6d4c41", "Western": "#a1887f",
}
ADJECTIVES = ["Last", "Silent", "Midnight", "Golden", "Broken", "Hidden", "Crimson", "Frozen", "Electric", "Lost",
              "Wild", "Iron", "Paper", "Velvet", "Burning", "Secret", "Distant", "Hollow", "Final", "Northern"]
NOUNS = ["Harbor", "Protocol", "Garden", "Empire", "Signal", "River", "Kingdom", "Orchard", "Frontier", "Circuit",
         "Lantern", "Voyage", "Verdict", "Summer", "Machine", "Island", "Station", "Canyon", "Letter", "Crown"]
MATURITY = ["G", "PG", "PG-13", "R"]


@dataclass
class DemoSize:
    titles: int = 300
    accounts: int = 200
    videos: int = 3
    seed: int = 7


@dataclass
class DemoReport:
    titles: int = 0
    posters: int = 0
    videos: int = 0
    accounts: int = 0
    profiles: int = 0
    views: int = 0
    ratings: int = 0


class DemoWorld:
    def __init__(self, size: DemoSize, progress: Callable[[str], None] = lambda message: None) -> None:
        self.size = size
        self.rng = random.Random(size.seed)
        self.progress = progress
        self.report = DemoReport()

    @transaction.atomic
    def build(self) -> DemoReport:
        self._reference_data()
        self._titles()
        self._videos()
        self._subscribers()
        self._demo_logins()
        return self.report

    def _reference_data(self) -> None:
        self.progress("regions, plans, genres and tags")
        self.regions = [Region.objects.get_or_create(code=c, defaults={"name": n})[0] for c, n in REGIONS]
        self.plans = [
            Plan.objects.get_or_create(
                code=code,
                defaults=dict(name=name, monthly_price=price, max_profiles=profiles, max_streams=streams,
                              video_quality=quality, has_downloads=downloads),
            )[0]
            for code, name, price, profiles, streams, quality, downloads in PLANS
        ]
        self.genres = [Genre.objects.get_or_create(name=n, defaults={"slug": slugify(n)})[0] for n in GENRES]
        # The vocabulary is tagging's data file (settings.TAGGING_VOCABULARY_FILE); descriptions seed synopses.
        self.vocabulary = {word.name: word for word in read_vocabulary(settings.TAGGING_VOCABULARY_FILE)}
        self.tags = []
        for word in self.vocabulary.values():
            tag, _ = Tag.objects.get_or_create(
                name=word.name, defaults={"slug": slugify(word.name), "description": word.description, "kind": word.kind}
            )
            self.tags.append(tag)

    def _titles(self) -> None:
        self.progress(f"{self.size.titles} titles with posters")
        rng, now = self.rng, timezone.now()
        names = [f"The {a} {n}" for a in ADJECTIVES for n in NOUNS]
        rng.shuffle(names)
        self.title_genres: dict[int, list[int]] = {}
        self.title_tags: dict[int, list[int]] = {}
        titles = []
        for i in range(self.size.titles):
            name = names[i % len(names)] + (f" {i // len(names) + 1}" if i >= len(names) else "")
            genres = rng.sample(range(len(self.genres)), rng.choice([1, 2, 2, 3]))
            tags = rng.sample(range(len(self.tags)), rng.choice([2, 3, 3, 4]))
            mood = rng.choice(["gripping", "quiet", "sweeping", "playful", "haunting", "bold"])
            genre_word = self.genres[genres[0]].name.lower()
            synopsis = f"A {mood} {genre_word} story: " + "; ".join(self.vocabulary[self.tags[t].name].description for t in tags) + "."
            title = Title(
                name=name, year=rng.randint(1972, now.year), synopsis=synopsis,
                runtime_minutes=rng.randint(80, 150), maturity_rating=rng.choice(MATURITY),
                kind=Title.Kind.SERIES if rng.random() < 0.15 else Title.Kind.MOVIE,
            )
            titles.append((title, genres, tags))
        created = Title.objects.bulk_create([t for t, _, _ in titles])
        genre_links, tag_links, availability = [], [], []
        for title, (_, genres, tags) in zip(created, titles, strict=True):
            self.title_genres[title.pk] = genres
            self.title_tags[title.pk] = tags
            genre_links += [Title.genres.through(title_id=title.pk, genre_id=self.genres[g].pk) for g in genres]
            tag_links += [
                TitleTag(title=title, tag=self.tags[t], source=TitleTag.Source.STAFF, confidence=1.0) for t in tags
            ]
            if rng.random() < 0.15:  # some titles are licensed only in a few regions
                availability += [TitleAvailability(title=title, region=r) for r in rng.sample(self.regions, 2)]
        Title.genres.through.objects.bulk_create(genre_links)
        TitleTag.objects.bulk_create(tag_links)
        TitleAvailability.objects.bulk_create(availability)
        # A handful of titles "arrived" recently, for the New-for-you row.
        recent = rng.sample(created, max(1, len(created) // 20))
        Title.objects.filter(pk__in=[t.pk for t in recent]).update(added_at=now - timedelta(days=3))
        Title.objects.exclude(pk__in=[t.pk for t in recent]).filter(pk__in=[t.pk for t in created]).update(
            added_at=now - timedelta(days=200)
        )
        self.titles = created
        posters = []
        for index, title in enumerate(created):
            colour = list(GENRES.values())[self.title_genres[title.pk][0]]
            data = poster_png(title.name, title.year, colour, seed=self.size.seed * 100_000 + index)
            asset = MediaAsset(title=title, kind=MediaAsset.Kind.IMAGE, role=MediaAsset.Role.POSTER,
                               original_name=f"{slugify(title.name)}.png", status=MediaAsset.Status.READY,
                               width=POSTER_SIZE[0], height=POSTER_SIZE[1], size_bytes=len(data))
            asset.file.save(asset.original_name, ContentFile(data), save=False)
            asset.checksum = hashlib.sha256(data).hexdigest()
            posters.append(asset)
        # bulk_create sends no post_save, so no media pipeline runs for these posters: their size and
        # checksum are known here, and tagging a drawn gradient tells nothing. One chain per poster used to
        # keep make run's worker busy for a quarter of an hour (five tasks each) before the videos' turn.
        MediaAsset.objects.bulk_create(posters)
        self.report.titles = self.report.posters = len(created)

    def _videos(self) -> None:
        if not self.size.videos:
            return
        self.progress(f"{self.size.videos} short videos with known shot cuts")
        with tempfile.TemporaryDirectory() as folder:
            for index, title in enumerate(self.titles[: self.size.videos]):
                path = Path(folder) / f"demo-{index}.webm"
                truth = demo_video(path, seed=self.size.seed + index)
                data = path.read_bytes()
                asset = MediaAsset(title=title, kind=MediaAsset.Kind.VIDEO, role=MediaAsset.Role.FEATURE,
                                   original_name=path.name, size_bytes=len(data), width=160, height=96,
                                   duration_s=truth["frames"] / truth["fps"], metadata=truth,
                                   checksum=hashlib.sha256(data).hexdigest(),
                                   status=MediaAsset.Status.PENDING)
                asset.file.save(path.name, ContentFile(data), save=False)
                asset.save()
                self.report.videos += 1

    def _subscribers(self) -> None:
        self.progress(f"{self.size.accounts} subscribers with hidden tastes")
        rng, now = self.rng, timezone.now()
        np_rng = np.random.default_rng(self.size.seed)
        password = make_password(None)
        accounts = User.objects.bulk_create([
            User(email=f"subscriber{i:04d}@demo.marquee.test", password=password,
                 plan=rng.choice(self.plans), region=rng.choice(self.regions),
                 marketing_consent=rng.random() < 0.6, next_billing_date=date.today() + timedelta(rng.randint(1, 30)),
                 # Joined before their viewing history (up to 180 days back) starts, spread over a year and a
                 # half, so the dashboard's subscribers-over-time chart does not read as everyone joining today.
                 # Drawn from the index, not `rng`, so the rest of the world stays the same for a seed.
                 date_joined=now - timedelta(days=181 + (i * 37) % 540))
            for i in range(self.size.accounts)
        ])
        profiles = Profile.objects.bulk_create([
            Profile(account=account, name=name)
            for account in accounts
            for name in ["Main", "Sam", "Kids"][: rng.choice([1, 1, 2, 3])]
        ])
        self.report.accounts, self.report.profiles = len(accounts), len(profiles)
        # Billing history: each account has paid for 1 to 12 months already (its own generator, so the
        # rest of the world is the same as before invoices existed).
        months = random.Random(self.size.seed + 7)
        Invoice.objects.bulk_create(
            [invoice for account in accounts for invoice in past_invoices(account, months.randint(1, 12))],
            batch_size=2000,
        )
        self._behaviour(profiles, np_rng, now)

    def _behaviour(self, profiles: list[Profile], np_rng: np.random.Generator, now) -> None:
        """Each profile gets a hidden taste over genres and tags; viewing and ratings follow it."""
        n_titles = len(self.titles)
        genre_matrix = np.zeros((n_titles, len(self.genres)), dtype=np.float32)
        tag_matrix = np.zeros((n_titles, len(self.tags)), dtype=np.float32)
        for row, title in enumerate(self.titles):
            genre_matrix[row, self.title_genres[title.pk]] = 1
            tag_matrix[row, self.title_tags[title.pk]] = 1
        quality = np_rng.normal(0, 0.6, n_titles)  # some titles are simply better liked
        regional = np.random.default_rng(self.size.seed + 11)
        region_genres = {r.pk: regional.dirichlet(np.full(len(self.genres), 0.3)) * 4 for r in self.regions}
        region_tags = {r.pk: regional.dirichlet(np.full(len(self.tags), 0.2)) * 3 for r in self.regions}
        views, ratings, saved, searches = [], [], [], []
        for profile in profiles:
            region = profile.account.region_id
            taste_genres = np_rng.dirichlet(np.full(len(self.genres), 0.3)) * 3 + region_genres[region]
            taste_tags = np_rng.dirichlet(np.full(len(self.tags), 0.2)) * 6 + region_tags[region]
            affinity = genre_matrix @ taste_genres + tag_matrix @ taste_tags + quality
            weights = np.exp(2.0 * (affinity - affinity.max()))
            count = int(np_rng.integers(8, min(60, n_titles)))
            chosen = np_rng.choice(n_titles, size=min(count, n_titles), replace=False, p=weights / weights.sum())
            for index in chosen:
                title, score = self.titles[index], affinity[index]
                when = now - timedelta(days=float(np_rng.uniform(1, 180)))
                completion = float(np.clip(1 / (1 + math.exp(-(score - 1.5))) + np_rng.normal(0, 0.15), 0.02, 1))
                runtime = (title.runtime_minutes or 100) * 60
                views.append(ViewingEvent(profile=profile, title=title, started_at=when, completion=completion,
                                          seconds_watched=int(runtime * completion)))
                if np_rng.random() < 0.6:
                    stars = float(np.clip(np.round((2.2 + 0.9 * (score - 1.5) + np_rng.normal(0, 0.5)) * 2) / 2,
                                          0.5, 5))
                    ratings.append(Rating(profile=profile, title=title, stars=stars, rated_at=when))
                elif np_rng.random() < 0.3:
                    thumb = Rating.Thumb.UP if score > 1.5 else Rating.Thumb.DOWN
                    ratings.append(Rating(profile=profile, title=title, thumb=thumb, rated_at=when))
                if score > 2.5 and np_rng.random() < 0.2:
                    saved.append(MyListEntry(profile=profile, title=title))
            if np_rng.random() < 0.3:
                favourite_tag = self.tags[int(np.argmax(taste_tags))]
                searches.append(SearchQuery(profile=profile, text=favourite_tag.name,
                                            normalized_text=favourite_tag.name, results_count=1))
        ViewingEvent.objects.bulk_create(views, batch_size=2000)
        Rating.objects.bulk_create(ratings, batch_size=2000)
        MyListEntry.objects.bulk_create(saved, batch_size=2000, ignore_conflicts=True)
        SearchQuery.objects.bulk_create(searches, batch_size=2000)
        self.report.views, self.report.ratings = len(views), len(ratings)

    def _demo_logins(self) -> None:
        staff, _ = User.objects.get_or_create(email=settings.DEMO_STAFF_EMAIL, defaults={"is_staff": True,
                                                                                         "is_superuser": True})
        staff.set_password(settings.DEMO_STAFF_PASSWORD)
        staff.is_staff = staff.is_superuser = True
        staff.save()
        viewer, _ = User.objects.get_or_create(
            email=settings.DEMO_SUBSCRIBER_EMAIL,
            # Mid-period, not on its billing day: there a cancellation ends at once and an upgrade costs
            # $0.00, so a walk through the account pages would not see an end date or a prorated charge.
            defaults={"plan": self.plans[1], "region": self.regions[0],
                      "next_billing_date": date.today() + timedelta(days=14)},
        )
        viewer.set_password(settings.DEMO_SUBSCRIBER_PASSWORD)
        viewer.save()
        if not viewer.invoices.exists():
            Invoice.objects.bulk_create(past_invoices(viewer, 4))
        for name in ("Alex", "Jo"):
            Profile.objects.get_or_create(account=viewer, name=name)
