"""Training and applying offer models from the command line or beat: the file contract and the platform logs."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import offer_data, uplift
from .models import Campaign, OfferModel, Recipient


def platform_history() -> offer_data.History:
    """Past campaigns' randomized rows: arm = offer code or nothing (holdout, or the model's "none"),
    response = returned to watch, features as of each campaign's start (never after it)."""
    ids, arms, ys, props = [], [], [], []
    columns: dict[str, list] = {}
    offers: set[str] = set()
    campaigns = Campaign.objects.exclude(started_at=None).order_by("started_at")
    rows_by_campaign = []
    for campaign in campaigns:
        rows = list(
            Recipient.objects.filter(campaign=campaign).exclude(group=Recipient.Group.TREATED, offer=None,
                                                                offer_policy="uniform")
            .values_list("account_id", "offer__code", "converted_at", "propensity")
        )
        offers |= {r[1] for r in rows if r[1]}
        rows_by_campaign.append((campaign, rows))
    offer_list = sorted(offers)
    arm_of = {o: k + 1 for k, o in enumerate(offer_list)}
    for campaign, rows in rows_by_campaign:
        if not rows:
            continue
        cols = uplift.platform_columns([r[0] for r in rows], campaign.started_at)
        for name, values in cols.items():
            columns.setdefault(name, []).extend(values)
        ids += [f"{campaign.pk}:{r[0]}" for r in rows]
        arms += [arm_of.get(r[1], 0) for r in rows]
        ys += [int(r[2] is not None) for r in rows]
        props += [r[3] for r in rows]
    if len(offer_list) < 2 or 0 not in arms:
        raise offer_data.TooFewArmsError(
            f"the platform's campaign logs have offers {offer_list} and {arms.count(0)} untreated row(s); "
            "at least two offers plus a holdout are needed"
        )
    return offer_data.History(ids, columns, np.array(arms), offer_list, np.array(ys), np.array(props, dtype=float))


def artifact_path(now: datetime) -> Path:
    return Path(settings.MODEL_ARTIFACT_DIR) / "marketing" / f"offer-model-{now:%Y%m%dT%H%M%S%f}.joblib"


def train_and_store(history: offer_data.History, *, source: str, seed: int = 0) -> tuple[OfferModel, uplift.OfferPolicy]:
    """Train, save the artifact, then activate it in one transaction (the previous one stays for rollback)."""
    policy = uplift.train(history, seed=seed)
    now = timezone.now()
    path = artifact_path(now)
    policy.save(path)
    kind = "platform" if source == "platform" else "file"
    with transaction.atomic():
        previous = OfferModel.objects.filter(is_active=True)
        previous = previous.filter(source="platform") if kind == "platform" else previous.exclude(source="platform")
        previous.update(is_active=False)
        row = OfferModel.objects.create(source=source, learner=policy.learner_name, offers=policy.offers,
                                        metrics=policy.metrics, artifact=str(path), is_active=True)
    return row, policy


def read_customers(path: str | Path, id_column: str) -> tuple[list[str], dict[str, list]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        if id_column not in header:
            raise offer_data.UnknownColumnError(
                f"unknown column {id_column!r} (--id-column); the file has: {', '.join(header)}"
            )
        rows = list(reader)
    return [r[id_column] for r in rows], {h: [r[h] for r in rows] for h in header if h != id_column}


def latest_file_policy() -> tuple[OfferModel, uplift.OfferPolicy]:
    row = OfferModel.objects.filter(is_active=True).order_by("-created_at").first()
    if row is None:
        raise offer_data.OfferDataError("no offer model is trained yet: run train_offer_model first")
    return row, uplift.OfferPolicy.load(row.artifact)


def write_choices(out: str | Path, id_column: str, ids: list[str], policy: uplift.OfferPolicy,
                  columns: dict[str, list]) -> int:
    unknown = [c for c in columns if c not in policy.encoder.names]
    if unknown:
        raise offer_data.UnknownColumnError(
            f"unknown column(s) {', '.join(unknown)}: the model was trained on {', '.join(policy.encoder.names)}"
        )
    arm, _, _, u = policy.choose(columns, explore=0.0)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([id_column, "offer", *(f"uplift_{o}" for o in policy.offers)])
        for i, customer in enumerate(ids):
            writer.writerow([customer, policy.offers[arm[i] - 1] if arm[i] else "",
                             *(f"{v:.6f}" for v in u[i])])
    return len(ids)
