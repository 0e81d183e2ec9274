"""Rule segments: each filter, AND/OR, include/exclude, the stored set-based refresh, engagement tiers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from factories import make_account, make_plan, make_profile, make_region, make_title, watch
from marketing import segments
from marketing.models import ChurnScore, EngagementTier, Segment, SegmentMembership, SegmentRule

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def segment(name="s", match=Segment.Match.ALL, rules=()):
    seg = Segment.objects.create(name=name, match=match)
    for field, op, value, *amount in rules:
        SegmentRule.objects.create(segment=seg, field=field, operator=op, value=value,
                                   amount=amount[0] if amount else None)
    return seg


def emails(seg):
    return set(segments.members(seg, now=NOW).values_list("email", flat=True))


@pytest.fixture
def world():
    us, gb = make_region("US"), make_region("GB", "United Kingdom")
    basic, premium = make_plan("basic"), make_plan("premium")
    comedy = make_title("Laughs", genres=["Comedy"], tags=["heist"])
    drama = make_title("Tears", genres=["Drama"])
    a = make_account("a@x.test", region=us, plan=basic, marketing_consent=True)
    b = make_account("b@x.test", region=gb, plan=premium, marketing_consent=True)
    c = make_account("c@x.test", region=us, plan=premium, marketing_consent=False)
    make_account("staff@x.test", region=us, is_staff=True)
    pa, pb, _ = make_profile(a), make_profile(b), make_profile(c)
    watch(pa, comedy, when=NOW - timedelta(days=2), seconds=7200)  # 2 h
    watch(pa, comedy, when=NOW - timedelta(days=3), seconds=3600)
    watch(pb, drama, when=NOW - timedelta(days=40), seconds=36000)  # outside the 30-day window
    type(a).objects.filter(pk=a.pk).update(date_joined=NOW - timedelta(days=400))
    return {"a": a, "b": b, "c": c}


def test_attribute_filters_and_staff_never_members(world):
    assert emails(segment("r", rules=[("region", "is", "us")])) == {"a@x.test", "c@x.test"}
    assert emails(segment("p", rules=[("plan", "is_not", "basic")])) == {"b@x.test", "c@x.test"}
    assert emails(segment("c", rules=[("consent", "is", "yes")])) == {"a@x.test", "b@x.test"}
    assert emails(segment("t", rules=[("tenure_days", "gte", "365")])) == {"a@x.test"}


def test_behaviour_filters(world):
    assert emails(segment("h", rules=[("hours_watched_30d", "gte", "3")])) == {"a@x.test"}
    assert emails(segment("h0", rules=[("hours_watched_30d", "lt", "1")])) == {"b@x.test", "c@x.test"}
    assert emails(segment("d", rules=[("days_since_last_view", "gte", "30")])) == {"b@x.test", "c@x.test"}
    assert emails(segment("d7", rules=[("days_since_last_view", "lt", "7")])) == {"a@x.test"}
    assert emails(segment("g", rules=[("genre_affinity", "gte", "comedy", 2)])) == {"a@x.test"}
    assert emails(segment("g3", rules=[("genre_affinity", "gte", "comedy", 3)])) == set()
    assert emails(segment("tag", rules=[("tag_affinity", "is", "heist")])) == {"a@x.test"}


def test_engagement_tier_and_risk_filters(world):
    EngagementTier.objects.create(account=world["b"], recency=1, frequency=1, watch_time=1, tier="Lost",
                                  computed_at=NOW)
    ChurnScore.objects.create(account=world["c"], score=0.8, scored_at=NOW)
    ChurnScore.objects.create(account=world["a"], score=0.2, scored_at=NOW)
    assert emails(segment("tier", rules=[("engagement_tier", "is", "Lost, At risk")])) == {"b@x.test"}
    assert emails(segment("risk", rules=[("risk_score", "gt", "0.6")])) == {"c@x.test"}


def test_and_or_include_and_exclude(world):
    both = segment("and", rules=[("region", "is", "US"), ("consent", "is", "yes")])
    either = segment("or", match=Segment.Match.ANY, rules=[("region", "is", "GB"), ("plan", "is", "basic")])
    assert emails(both) == {"a@x.test"}
    assert emails(either) == {"a@x.test", "b@x.test"}
    premium = segment("premium", rules=[("plan", "is", "premium")])
    combined = segment("premium or and", match=Segment.Match.ANY)
    combined.include.add(premium, both)
    assert emails(combined) == {"a@x.test", "b@x.test", "c@x.test"}
    combined.exclude.add(segment("gb", rules=[("region", "is", "GB")]))
    assert emails(combined) == {"a@x.test", "c@x.test"}


def test_a_segment_that_includes_itself_is_refused(world):
    one, two = segment("one"), segment("two")
    one.include.add(two)
    two.include.add(one)
    with pytest.raises(segments.SegmentError):
        segments.members(one)


def test_a_bad_number_is_a_named_error(world):
    with pytest.raises(segments.SegmentError, match="not a number"):
        segments.members(segment("bad", rules=[("hours_watched_30d", "gte", "lots")]))


def test_refresh_stores_members_in_batches_and_replaces_old_ones(world):
    us = segment("us", rules=[("region", "is", "US")])
    assert segments.refresh_membership(us, now=NOW, batch=1) == 2  # one account id per INSERT ... SELECT
    stored = set(SegmentMembership.objects.filter(segment=us).values_list("account__email", flat=True))
    assert stored == {"a@x.test", "c@x.test"}
    type(world["c"]).objects.filter(pk=world["c"].pk).update(region=make_region("GB"))
    assert segments.refresh_membership(us, now=NOW) == 1
    us.refresh_from_db()
    assert us.size == 1 and us.refreshed_at is not None
    assert list(SegmentMembership.objects.filter(segment=us).values_list("account__email", flat=True)) == ["a@x.test"]


def test_preview_gives_size_and_sample_of_unsaved_rules(world):
    seg = segment("draft")
    found = segments.preview(seg, rules=[SegmentRule(field="region", operator="is", value="GB")])
    assert found["size"] == 1 and found["sample"][0]["email"] == "b@x.test"


def test_engagement_tiers_name_quintiles_and_match_the_python_rule(world):
    title = make_title("More")
    for i in range(10):
        account = make_account(f"n{i}@x.test")
        profile = make_profile(account)
        for j in range(i):
            watch(profile, title, when=NOW - timedelta(days=1 + 8 * (9 - i) + j), seconds=600 * (i + 1))
    count = segments.refresh_engagement_tiers(now=NOW)
    assert count == 13  # every subscriber, staff excluded
    tiers = {t.account.email: t for t in EngagementTier.objects.select_related("account")}
    for t in tiers.values():
        assert t.tier == segments.tier_name(t.recency, t.frequency, t.watch_time)
        assert t.tier in segments.TIER_NAMES
    assert tiers["n9@x.test"].tier == "Champions"
    assert tiers["n0@x.test"].tier == "Lost"  # never watched: the lowest quintile everywhere
