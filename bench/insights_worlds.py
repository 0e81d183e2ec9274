"""bench/insights.py's six regions and its demo world: seed_demo built into a SQLite file, read back as a Dataset."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
REGIONS = 6


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def seeded_demo_database(path: Path, accounts: int, titles: int) -> None:
    """seed_demo (the real generator, regional tastes and all) into a SQLite file, once."""
    import subprocess

    if path.exists():
        return
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{path}", MEDIA_ROOT=str(path.with_suffix(".media")))
    log(f"  seed_demo --titles {titles} --accounts {accounts} --videos 0 into {path}")
    for command in (["migrate", "-v0"], ["seed_demo", "--titles", str(titles), "--accounts", str(accounts), "--videos", "0"]):
        subprocess.run([sys.executable, str(REPO_ROOT / "manage.py"), *command], env=env, check=True, stdout=subprocess.DEVNULL)


def demo_world():
    """The seed_demo database as a Dataset, each profile's region (REGIONS: none) and what each region can watch."""
    from accounts.models import Profile
    from catalog.models import Region, Title
    from recommendations.behaviour import dataset_from_database

    data = dataset_from_database()
    codes = list(Region.objects.order_by("code"))
    assert len(codes) == REGIONS, f"expected {REGIONS} regions, found {len(codes)}"
    column = {r.pk: j for j, r in enumerate(codes)}
    region_of = dict(Profile.objects.values_list("pk", "account__region_id"))
    regions = np.array([column.get(region_of.get(int(p)), REGIONS) for p in data.user_ids])
    index = {int(t): i for i, t in enumerate(data.item_ids)}
    visible = np.zeros((REGIONS, data.n_items), bool)
    for j, region in enumerate(codes):
        for pk in Title.objects.visible_in(region, None).values_list("pk", flat=True):
            visible[j, index[pk]] = True
    return data, regions, visible, [r.code for r in codes]
