"""ratings.csv into subscribers' ratings: an account with one profile for each new MovieLens user, and a
Rating per (user, movie) not imported before.
"""

from datetime import datetime
from pathlib import Path

from django.contrib.auth.hashers import make_password

from accounts.models import Profile, User
from activity.models import Rating
from jobs.bulk import insert_rows

from .movielens_checks import ImportReport, half_stars, positive_id, unix_time
from .movielens_files import RATINGS_HEADER
from .movielens_rows import RowReader

MOVIELENS_EMAIL_DOMAIN = "movielens.marquee.invalid"


class MovieLensProfiles:
    """MovieLens userId to profile id, making an account with one profile for each user not seen before."""

    def __init__(self, report: ImportReport) -> None:
        self.ids: dict[int, int] = {}
        self.report = report  # counts the accounts made
        self._unusable_password = make_password(None)  # hashed once: the accounts are made thousands at a time

    def ensure(self, ml_user_ids: set[int]) -> None:
        """Make sure every MovieLens user in the batch has an account with one profile."""
        missing = ml_user_ids - self.ids.keys()
        if not missing:
            return
        existing = Profile.objects.filter(account__movielens_user_id__in=missing).order_by("pk")
        for profile_id, ml_id in existing.values_list("pk", "account__movielens_user_id"):
            self.ids.setdefault(ml_id, profile_id)
        missing -= self.ids.keys()
        if not missing:
            return
        accounts = User.objects.bulk_create(
            [
                User(
                    email=f"user{ml_id}@{MOVIELENS_EMAIL_DOMAIN}",
                    movielens_user_id=ml_id,
                    password=self._unusable_password,
                )
                for ml_id in sorted(missing)
            ]
        )
        profiles = Profile.objects.bulk_create([Profile(account_id=a.pk, name="Main") for a in accounts])
        for account, profile in zip(accounts, profiles, strict=True):
            self.ids[account.movielens_user_id] = profile.pk
        self.report.accounts_created += len(accounts)


def import_ratings(reader: RowReader, path: Path, title_ids: dict[int, int], now: int) -> None:
    """Ratings of known titles, timestamped from 1990 up to `now` (Unix seconds)."""
    report = reader.file_report(path)
    profiles = MovieLensProfiles(reader.report)
    for batch in reader.batches(path, RATINGS_HEADER, report):
        parsed: dict[tuple[int, int], tuple[float, datetime]] = {}
        for line, (user_id, movie_id, rating, timestamp) in batch:
            try:
                ml_user = positive_id(user_id, "userId")
                ml_movie = positive_id(movie_id, "movieId")
                stars = half_stars(rating)
                rated_at = unix_time(timestamp, now)
            except ValueError as error:
                reader.bad_field(report, path.name, line, error)
                continue
            if not reader.known_title(report, path.name, line, ml_movie, title_ids):
                continue
            if (ml_user, ml_movie) in parsed:
                reader.bad(report, path.name, line, f"user {ml_user} rated movie {ml_movie} twice",
                           "duplicate rating")
                continue
            parsed[(ml_user, ml_movie)] = (stars, rated_at)
        profiles.ensure({ml_user for ml_user, _ in parsed})
        keyed = {
            (profiles.ids[ml_user], title_ids[ml_movie]): value
            for (ml_user, ml_movie), value in parsed.items()
        }
        # Filtering by profile alone is ~10x faster than profile AND title lists; the
        # file is grouped by user, so a batch covers a few profiles' ratings.
        existing = set(
            Rating.objects.filter(profile_id__in={p for p, _ in keyed}).values_list("profile_id", "title_id")
        )
        new = [
            (profile_id, title_id, stars, rated_at)
            for (profile_id, title_id), (stars, rated_at) in keyed.items()
            if (profile_id, title_id) not in existing
        ]
        insert_rows(Rating, ["profile_id", "title_id", "stars", "rated_at"], new)
        report.created += len(new)
        report.unchanged += len(keyed) - len(new)
