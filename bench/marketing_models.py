"""Benchmarks of issue 15: the offer policy on a simulated population, and the churn model's time split.

    python bench/marketing_models.py offers [--history 20000 --test 50000 --seed 1]
    python bench/marketing_models.py churn --world generated [--accounts 3000 --seed 1]
    python bench/marketing_models.py churn --world demo [--accounts 200]

`offers` trains on a randomized history of a population with heterogeneous offer effects
(marketing/simulated.py: discount-lovers, new-season fans, the indifferent, the annoyed), then scores
the chosen policy on a fresh population with the known response probabilities: its value against a
random offer and against the best single offer for everyone, and Qini per offer on held-out rows for
the selected learner, the other one, and a plain T-learner on logistic regression.

`churn` builds a world in a fresh SQLite file (generated activity with a known leaving process, or
`seed_demo`), then runs the time split of marquee's churn model: gradient boosting against logistic
regression and against days since last view alone.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "platform")]


def _django(database_url: str | None = None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()


def offers(args) -> None:
    _django()
    import numpy as np

    from marketing import offer_data, simulated, uplift, uplift_metrics

    rng = np.random.default_rng(args.seed)
    pop, arm, y, propensity = simulated.randomized_history(args.history, rng)
    cols = {k: list(v) for k, v in pop["columns"].items()}
    history = offer_data.History([str(i) for i in range(args.history)], cols, arm, simulated.OFFERS, y, propensity)
    policy = uplift.train(history, seed=args.seed)

    test = simulated.population(args.test, rng)
    test_cols = {k: list(v) for k, v in test["columns"].items()}
    chosen, _, _, _ = policy.choose(test_cols, explore=0.0, rng=rng)
    value = float(simulated.response_probability(test["kind"], chosen).mean())
    singles = {o: float(simulated.response_probability(test["kind"], np.full(args.test, k + 1)).mean())
               for k, o in enumerate(simulated.OFFERS)}
    nothing = float(simulated.response_probability(test["kind"], np.zeros(args.test, dtype=int)).mean())
    oracle_arm = np.argmax(np.column_stack([simulated.response_probability(test["kind"], np.full(args.test, a))
                                            for a in range(len(simulated.OFFERS) + 1)]), axis=1)
    oracle = float(simulated.response_probability(test["kind"], oracle_arm).mean())
    best_single = max(singles.values())
    random_offer = float(np.mean(list(singles.values())))
    print(f"history {args.history:,} randomized rows, test population {args.test:,}, seed {args.seed}; "
          f"selected learner: {policy.learner_name}")
    print("| policy | response rate (true) | × random offer | × best single offer |")
    print("|---|---|---|---|")
    for name, v in [("uplift policy", value), ("best single offer", best_single), ("random offer", random_offer),
                    ("send nothing", nothing), ("oracle (knows each type)", oracle)]:
        print(f"| {name} | {v:.4f} | {v / random_offer:.2f} | {v / best_single:.2f} |")
    share = {o: float((chosen == k + 1).mean()) for k, o in enumerate(simulated.OFFERS)}
    print("offers chosen: " + ", ".join(f"{o} {s:.1%}" for o, s in share.items()) + f", nothing {(chosen == 0).mean():.1%}")

    # Qini on held-out randomized rows: the two GB learners (from training) and a logistic T-learner baseline.
    held = np.random.default_rng(args.seed).random(args.history) < 0.3  # the split train() used
    X = policy.encoder.transform(cols)
    logistic = uplift.TLearner(len(simulated.OFFERS) + 1, None, base="logistic").fit(
        X[~held], arm[~held], y[~held], propensity[~held])
    u = logistic.uplift(X[held])
    print("| offer | " + " | ".join(f"Qini {n}" for n in policy.metrics["learners"]) + " | Qini T-learner (logistic) |")
    print("|---|" + "---|" * (len(policy.metrics["learners"]) + 1))
    for k, o in enumerate(simulated.OFFERS):
        sel = np.isin(arm[held], [0, k + 1])
        base = uplift_metrics.qini_coefficient(u[sel, k], arm[held][sel] == k + 1, y[held][sel])
        learned = " | ".join(f"{m['qini'][o]:.4f}" for m in policy.metrics["learners"].values())
        print(f"| {o} | {learned} | {base:.4f} |")
    gb = uplift.TLearner(len(simulated.OFFERS) + 1, policy.encoder.categorical_mask, seed=args.seed).fit(
        X[~held], arm[~held], y[~held], propensity[~held])
    _check_against_scikit_uplift({"T-learner (gradient boosting)": gb, "T-learner (logistic)": logistic},
                                 X[held], arm[held], y[held])


def _check_against_scikit_uplift(learners: dict, X, arm, y) -> None:
    """marketing.uplift's Qini curve, Qini area and deciles against scikit-uplift's on the same held-out rows,
    for learners fitted on the training rows only (the library is a dev dependency: `pip install -e '.[dev]'`)."""
    import warnings

    import numpy as np
    from sklearn.metrics import auc
    from sklift import metrics

    from marketing import simulated, uplift_metrics

    print("\n| learner, offer | Qini (marketing.uplift, per person) | same from scikit-uplift's curve | "
          "scikit-uplift qini_auc_score (normalised) | uplift@30% (scikit-uplift, overall) | top decile: ours / "
          "scikit-uplift |")
    print("|---|---|---|---|---|---|")
    worst = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # the library calls a scikit-learn helper deprecated in 1.8
        for name, learner in learners.items():
            u = learner.uplift(X)
            for k, o in enumerate(simulated.OFFERS):
                sel = np.isin(arm, [0, k + 1])
                score, treated, yy = u[sel, k], (arm[sel] == k + 1).astype(int), y[sel]
                ours = uplift_metrics.qini_coefficient(score, treated, yy)
                x, q = uplift_metrics.qini_curve(score, treated, yy)
                lx, lq = metrics.qini_curve(yy, score, treated)
                lib = (auc(lx, lq) - auc([0, lx[-1]], [0, lq[-1]])) / len(yy)
                curve_gap = float(np.max(np.abs(q - lq))) if len(x) == len(lx) and np.array_equal(x, lx) else np.inf
                deciles = metrics.uplift_by_percentile(yy, score, treated, strategy="overall", bins=10)["uplift"]
                worst = max(worst, abs(ours - lib), curve_gap,
                            float(np.max(np.abs(np.asarray(uplift_metrics.decile_uplift(score, treated, yy)) - deciles[:10]))))
                print(f"| {name}, {o} | {ours:.5f} | {lib:.5f} | {metrics.qini_auc_score(yy, score, treated):.4f} | "
                      f"{metrics.uplift_at_k(yy, score, treated, strategy='overall', k=0.3):.4f} | "
                      f"{uplift_metrics.decile_uplift(score, treated, yy)[0]:.4f} / {deciles.iloc[0]:.4f} |")
    print(f"largest difference from scikit-uplift (Qini area, curve points, deciles): {worst:.2e}")


def _generated_world(accounts: int, seed: int) -> None:
    """Subscribers whose viewing rate decays for some (the leavers) and holds for others, over 150 days."""
    from datetime import timedelta

    import numpy as np
    from django.utils import timezone

    from accounts.models import Plan, Profile, User
    from activity.models import ViewingEvent
    from catalog.models import Region, Title

    rng = np.random.default_rng(seed)
    now = timezone.now()
    regions = [Region.objects.create(code=c, name=c) for c in ("US", "GB", "DE")]
    plans = [Plan.objects.create(code=c, name=c, monthly_price=p) for c, p in (("basic", 7), ("premium", 15))]
    titles = Title.objects.bulk_create([Title(name=f"T{i}", runtime_minutes=90) for i in range(100)])
    users = User.objects.bulk_create([
        User(email=f"g{i}@bench.test", password="!", region=regions[i % 3], plan=plans[i % 2],
             date_joined=now - timedelta(days=int(rng.integers(160, 900))))
        for i in range(accounts)
    ])
    profiles = Profile.objects.bulk_create([Profile(account=u, name="Main") for u in users])
    views = []
    for p in profiles:
        rate = rng.gamma(2, 0.15)  # views per day
        half_life = rng.choice([15.0, 40.0, 1e9], p=[0.25, 0.25, 0.5])  # decaying interest, or steady
        start = 150 * rng.random() if rng.random() < 0.2 else 0.0  # some begin later
        for day in range(150):
            age = 150 - day
            if age > 150 - start:
                continue
            lam = rate * 0.5 ** ((150 - age) / half_life)
            for _ in range(rng.poisson(lam)):
                completion = float(np.clip(rng.normal(0.6 if half_life > 1e8 else 0.4, 0.25), 0, 1))
                views.append(ViewingEvent(profile=p, title=titles[int(rng.integers(0, 100))],
                                          started_at=now - timedelta(days=age - rng.random()),
                                          seconds_watched=int(5400 * completion), completion=completion))
    ViewingEvent.objects.bulk_create(views, batch_size=5000)


def churn(args) -> None:
    folder = tempfile.mkdtemp(prefix="marquee-churn-")
    _django(f"sqlite:///{folder}/world.sqlite3")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.world == "demo":
        call_command("seed_demo", "--accounts", str(args.accounts), verbosity=0)
        # seed_demo dates its accounts before their history (issue 20); any account joined after its first
        # view is dated from it, so the snapshots (which only count accounts that existed then) see it.
        from django.db.models import Min

        from accounts.models import User

        for user in User.objects.annotate(first=Min("profiles__viewing_events__started_at")).exclude(first=None):
            User.objects.filter(pk=user.pk).update(date_joined=min(user.date_joined, user.first))
    else:
        _generated_world(args.accounts, args.seed)
    from django.utils import timezone

    from activity.models import ViewingEvent
    from marketing import churn as model

    now = max(timezone.now(), ViewingEvent.objects.order_by("-started_at").values_list("started_at", flat=True).first()
              or timezone.now())
    snaps = [model.snapshot(t) for t in model.snapshots_for(now, args.snapshots)]
    report = model.evaluate(snaps[:-1], snaps[-1])
    print(f"world: {args.world}, {args.accounts} accounts, {ViewingEvent.objects.count():,} views; train "
          f"{report['train_rows']} rows ({report['train_churn_rate']:.1%} churn) on "
          f"{len(report['train_snapshots'])} snapshot(s), test {report['test_rows']} rows "
          f"({report['test_churn_rate']:.1%} churn) on the latest")
    if "error" in report:
        print(report["error"])
        return
    print("| model | ROC AUC | PR AUC | Brier |")
    print("|---|---|---|---|")
    for key, label in [("gradient_boosting", "HistGradientBoosting"), ("logistic_regression", "logistic regression"),
                       ("days_since_last_view", "days since last view only")]:
        m = report[key]

        def f(v):
            return "-" if v is None else f"{v:.3f}"

        print(f"| {label} | {f(m['roc_auc'])} | {f(m['pr_auc'])} | {f(m['brier'])} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    o = sub.add_parser("offers")
    o.add_argument("--history", type=int, default=20_000)
    o.add_argument("--test", type=int, default=50_000)
    o.add_argument("--seed", type=int, default=1)
    c = sub.add_parser("churn")
    c.add_argument("--world", choices=["generated", "demo"], default="generated")
    c.add_argument("--accounts", type=int, default=3000)
    c.add_argument("--snapshots", type=int, default=3)
    c.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    offers(args) if args.command == "offers" else churn(args)


if __name__ == "__main__":
    main()
