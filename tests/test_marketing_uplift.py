"""Offer uplift: Qini on a hand-computed case, named errors of bad files, constant data, logged propensities."""

import csv

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from factories import make_account, make_profile, make_region
from marketing import campaigns, simulated, uplift, uplift_metrics
from marketing.models import Campaign, Offer, OfferModel, Recipient, Segment, SegmentRule


def test_qini_coefficient_on_a_hand_computed_case():
    # Best first: treated responder, control non-responder, treated and control non-responders.
    # Curve 0,1,1,1,1 against the random line 0,.25,.5,.75,1: area 1.5 over 4 people.
    score, treated, y = np.array([4, 3, 2, 1]), np.array([1, 0, 1, 0]), np.array([1, 0, 0, 0])
    assert uplift_metrics.qini_coefficient(score, treated, y) == pytest.approx(0.375)
    assert uplift_metrics.qini_coefficient(-score, treated, y) < 0  # the worst ranking falls below random
    x, q = uplift_metrics.qini_curve(score, treated, y)
    assert list(x) == [0, 1, 2, 3, 4] and list(q) == [0, 1, 1, 1, 1]


@pytest.mark.parametrize("ties", [False, True])
def test_qini_and_deciles_agree_with_scikit_uplift_on_generated_data(ties):
    from sklearn.metrics import auc
    from sklift import metrics

    rng = np.random.default_rng(3)
    score = rng.normal(size=400)
    score = np.round(score, 1) if ties else score  # rounded scores tie in blocks, as tree models' do
    treated = (rng.random(400) < 0.5).astype(int)
    y = (rng.random(400) < 0.1 + 0.2 * treated * (score > 0)).astype(int)
    x, q = uplift_metrics.qini_curve(score, treated, y)
    lib_x, lib_q = metrics.qini_curve(y, score, treated)
    assert np.array_equal(x, lib_x) and np.allclose(q, lib_q)
    # Ours is the library's normalised score times the perfect model's area over the random line, per person.
    px, pq = metrics.perfect_qini_curve(y, treated)
    random_area = auc([0, px[-1]], [0, pq[-1]])
    expected = metrics.qini_auc_score(y, score, treated) * (auc(px, pq) - random_area) / len(y)
    assert uplift_metrics.qini_coefficient(score, treated, y) == pytest.approx(expected)
    deciles = metrics.uplift_by_percentile(y, score, treated, strategy="overall", bins=10)["uplift"].to_numpy()
    assert np.allclose(uplift_metrics.decile_uplift(score, treated, y), deciles[:10])
    top = metrics.uplift_at_k(y, score, treated, strategy="overall", k=0.1)
    assert uplift_metrics.decile_uplift(score, treated, y)[0] == pytest.approx(top)
    # A tie's input order cannot move the curve.
    shuffled = rng.permutation(400)
    assert uplift_metrics.qini_coefficient(score[shuffled], treated[shuffled], y[shuffled]) == pytest.approx(
        uplift_metrics.qini_coefficient(score, treated, y))


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return str(path)


def history_args(path, **over):
    args = {"history": path, "id_column": "id", "offer_column": "offer", "holdout": "control",
            "response_column": "y"}
    args.update(over)
    return [f"--{k.replace('_', '-')}={v}" for k, v in args.items()]


@pytest.mark.django_db
@pytest.mark.parametrize(("rows", "over", "error"), [
    ([["1", "a", "x", "1"]], {"response_column": "bought"}, "UnknownColumnError: unknown column 'bought'"),
    ([["1", "a", "control", "1"], ["2", "b", "ten", "0"]], {}, "TooFewArmsError"),
    ([["1", "a", "control", "1"], ["2", "b", "ten", "0"], ["3", "c", "news", "yes"]], {}, "NonBinaryResponseError"),
    ([["1", "a", "ten", "1"], ["2", "b", "news", "0"]], {}, "TooFewArmsError"),  # no holdout at all
])
def test_bad_history_files_get_named_errors(tmp_path, rows, over, error):
    path = write(tmp_path / "h.csv", ["id", "plan", "offer", "y"], rows)
    with pytest.raises(CommandError, match=error):
        call_command("train_offer_model", *history_args(path, **over))
    assert not OfferModel.objects.exists()


def _history_file(tmp_path, n=900, constant=None, seed=3):
    rng = np.random.default_rng(seed)
    pop, arm, y, _ = simulated.randomized_history(n, rng)
    if constant is not None:
        y = np.full(n, constant)
    path = tmp_path / "history.csv"
    simulated.write_csv(path, pop, arm, y)
    customers = tmp_path / "customers.csv"
    simulated.write_csv(customers, simulated.population(50, rng))
    return str(path), str(customers)


@pytest.mark.django_db
def test_a_model_trained_on_constant_data_chooses_nothing_and_does_not_crash(tmp_path):
    history, customers = _history_file(tmp_path, constant=0)
    call_command("train_offer_model", *history_args(history, id_column="customer_id", response_column="responded"))
    out = tmp_path / "out.csv"
    call_command("choose_offers", "--customers", customers, "--id-column", "customer_id", "--out", str(out))
    with open(out) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["customer_id", "offer", "uplift_discount", "uplift_new_season", "uplift_upgrade"]
    assert len(rows) == 51 and all(r[1] == "" for r in rows[1:])


@pytest.mark.django_db
def test_choose_offers_writes_the_contract_and_names_unknown_columns(tmp_path):
    history, customers = _history_file(tmp_path)
    call_command("train_offer_model", *history_args(history, id_column="customer_id", response_column="responded"))
    out = tmp_path / "out.csv"
    call_command("choose_offers", "--customers", customers, "--id-column", "customer_id", "--out", str(out))
    with open(out) as f:
        rows = list(csv.DictReader(f))
    assert set(rows[0]) == {"customer_id", "offer", "uplift_discount", "uplift_new_season", "uplift_upgrade"}
    assert all(r["offer"] in ("", *simulated.OFFERS) for r in rows)
    for r in rows:  # the offer is the best positive uplift, else empty
        best = max(simulated.OFFERS, key=lambda o: float(r[f"uplift_{o}"]))
        assert r["offer"] == (best if float(r[f"uplift_{best}"]) > 0 else "")
    with pytest.raises(CommandError, match="UnknownColumnError"):
        call_command("choose_offers", "--customers", customers, "--id-column", "nope", "--out", str(out))


def test_exploration_logs_the_propensity_of_the_arm_given():
    policy = uplift.OfferPolicy.__new__(uplift.OfferPolicy)
    policy.offers = ["a", "b"]
    policy.uplifts = lambda columns: np.tile([0.2, -0.1], (len(columns["x"]), 1))
    arm, propensity, explored, _ = policy.choose({"x": [0] * 4000}, explore=0.3, rng=np.random.default_rng(1))
    greedy = arm == 1
    assert np.allclose(propensity[greedy], 0.7 + 0.1) and np.allclose(propensity[~greedy], 0.1)
    assert 0.2 < explored.mean() < 0.4 and set(arm) == {0, 1, 2}


@pytest.mark.django_db
def test_a_campaign_with_a_platform_model_logs_model_and_exploration_propensities(tmp_path, monkeypatch):
    us = make_region("US")
    for i in range(30):
        make_profile(make_account(f"u{i}@x.test", region=us, marketing_consent=True))
    segment = Segment.objects.create(name="all")
    SegmentRule.objects.create(segment=segment, field="region", operator="is", value="US")
    campaign = Campaign.objects.create(name="c", segment=segment, subject="s", html_body="h", text_body="t",
                                       holdout_share=0.2, exploration_share=0.5)
    for code in ("discount", "new_season"):
        Offer.objects.create(campaign=campaign, code=code, headline=code)

    class Fixed:
        offers = ["discount", "new_season"]

        def choose(self, columns, explore, rng):
            n = len(columns["plan"])
            explored = np.arange(n) % 2 == 0
            arm = np.where(explored, 2, 1)
            return arm, np.where(explored, explore / 3, 1 - explore + explore / 3), explored, None

    monkeypatch.setattr(uplift, "active_platform_policy", lambda: (None, Fixed()))
    campaigns.start(campaign)
    treated = Recipient.objects.filter(campaign=campaign, group="treated")
    assert treated.exists()
    for r in treated:
        assert r.offer_policy in ("model", "explore")
        expected = 0.8 * (0.5 / 3 if r.offer_policy == "explore" else 0.5 + 0.5 / 3)
        assert r.propensity == pytest.approx(expected)
        assert r.offer.code == ("new_season" if r.offer_policy == "explore" else "discount")


@pytest.mark.django_db
def test_without_history_it_trains_on_the_platform_logs_and_the_next_campaign_uses_it(tmp_path, settings):
    from django.utils import timezone

    settings.MODEL_ARTIFACT_DIR = tmp_path
    us = make_region("US")
    for i in range(80):
        make_profile(make_account(f"p{i}@x.test", region=us, marketing_consent=True))
    segment = Segment.objects.create(name="all")
    SegmentRule.objects.create(segment=segment, field="region", operator="is", value="US")

    def campaign(name):
        c = Campaign.objects.create(name=name, segment=segment, subject="s", html_body="h", text_body="t",
                                    holdout_share=0.3, exploration_share=0.2)
        for code in ("discount", "new_season"):
            Offer.objects.create(campaign=c, code=code, headline=code)
        return c

    past = campaign("past")
    campaigns.start(past)
    rng = np.random.default_rng(0)
    for r in Recipient.objects.filter(campaign=past):
        if rng.random() < (0.5 if r.offer_id else 0.2):
            Recipient.objects.filter(pk=r.pk).update(converted_at=timezone.now())
    call_command("train_offer_model")
    model = OfferModel.objects.get(is_active=True)
    assert model.source == "platform" and model.offers == ["discount", "new_season"]
    assert set(model.metrics["policy_value"]) == {"model policy", "best single offer", "random offer", "nothing"}

    nxt = campaign("next")
    campaigns.start(nxt)
    treated = Recipient.objects.filter(campaign=nxt, group="treated")
    assert set(treated.values_list("offer_policy", flat=True)) <= {"model", "explore"}
    for r in treated:
        assert 0 < r.propensity <= 0.7
        if r.offer_id is None:  # the model found no offer worth sending: drawn as treated, never sent
            assert r.state == Recipient.State.SKIPPED and r.skip_reason == "no offer helps"
