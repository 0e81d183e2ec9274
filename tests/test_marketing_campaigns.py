"""Campaigns: holdout drawn once, consent, the cross-campaign cap, exactly-once sends across a killed batch,
unsubscribe, tracked links, featured titles through the visibility rule, and results against the holdout."""

from datetime import timedelta

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from factories import make_account, make_profile, make_region, make_title, watch
from marketing import campaigns, results, sending, tracking
from marketing.models import Campaign, Offer, Recipient, Segment, SegmentRule

pytestmark = pytest.mark.django_db
S = Recipient.State


def make_campaign(segment, name="Spring", holdout=0.0, cap_days=7, offers=("ten-off", "new-season")):
    campaign = Campaign.objects.create(
        name=name, segment=segment, subject="Hi {profile_name}: {offer}", holdout_share=holdout,
        frequency_cap_days=cap_days, html_body="<p>{offer} — watch <a href='{title_url}'>{title}</a></p>",
        text_body="{offer}\n{title}: {title_url}\nStop: {unsubscribe_url}",
    )
    for code in offers:
        Offer.objects.create(campaign=campaign, code=code, headline=f"Offer {code}", link_path="/account/")
    return campaign


@pytest.fixture
def everyone():
    segment = Segment.objects.create(name="everyone")
    SegmentRule.objects.create(segment=segment, field="region", operator="is", value="US")
    return segment


@pytest.fixture
def accounts():
    us = make_region("US")
    out = [make_account(f"s{i}@x.test", region=us, marketing_consent=True) for i in range(12)]
    for account in out:
        make_profile(account, name=f"Main {account.pk}")
    return out


def sent_to() -> list[str]:
    return [m.to[0] for m in mail.outbox]


def send_all(campaign, **kw):
    while sending.send_batch(campaign.pk, size=5, **kw)["remaining"]:
        pass


def test_holdout_is_drawn_once_stored_and_never_receives_anything(everyone, accounts):
    campaign = make_campaign(everyone, holdout=0.5)
    assert campaigns.start(campaign) == 12
    held = set(Recipient.objects.filter(campaign=campaign, group="holdout").values_list("account__email", flat=True))
    assert 0 < len(held) < 12
    with pytest.raises(campaigns.CampaignError):
        campaigns.start(campaign)  # a second start draws nothing again
    send_all(campaign)
    assert not held & set(sent_to())
    assert len(mail.outbox) == 12 - len(held)
    assert set(Recipient.objects.filter(campaign=campaign, group="holdout").values_list("state", flat=True)) == {S.HELD_OUT}
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.FINISHED


def test_uniform_offers_log_their_propensity(everyone, accounts):
    campaign = make_campaign(everyone, holdout=0.2)
    campaigns.start(campaign)
    for r in Recipient.objects.filter(campaign=campaign):
        if r.group == "treated":
            assert r.offer is not None and r.offer_policy == "uniform" and r.propensity == pytest.approx(0.8 / 2)
        else:
            assert r.offer is None and r.propensity == pytest.approx(0.2)


def test_nobody_without_consent_gets_mail_even_if_they_withdraw_after_the_start(everyone, accounts):
    accounts[0].marketing_consent = False
    accounts[0].save()
    campaign = make_campaign(everyone)
    campaigns.start(campaign)
    type(accounts[1]).objects.filter(pk=accounts[1].pk).update(marketing_consent=False)  # after the draw
    send_all(campaign)
    assert accounts[0].email not in sent_to() and accounts[1].email not in sent_to()
    assert len(mail.outbox) == 10
    reasons = set(Recipient.objects.filter(state=S.SKIPPED).values_list("skip_reason", flat=True))
    assert reasons == {"no consent"}


def test_the_frequency_cap_holds_across_campaigns(everyone, accounts):
    first = make_campaign(everyone, name="first")
    campaigns.start(first)
    send_all(first)
    assert len(mail.outbox) == 12
    second = make_campaign(everyone, name="second", cap_days=7)
    campaigns.start(second)
    send_all(second)
    assert len(mail.outbox) == 12  # nobody twice within 7 days, whichever campaign
    assert Recipient.objects.filter(campaign=second, state=S.SKIPPED, skip_reason="frequency cap").count() == 12
    later = make_campaign(everyone, name="later")
    campaigns.start(later)
    send_all(later, now=lambda: timezone.now() + timedelta(days=8))
    assert len(mail.outbox) == 24


class WorkerKilled(BaseException):
    """Stands in for the worker process dying: not an Exception, so nothing in the send path catches it."""


# chunk 3: the kill hits the 2nd message of the chunk (4th, 5th, 6th): the 4th went out, the 5th and 6th did not.
@pytest.mark.parametrize(("chunk", "in_doubt_sent", "in_doubt_lost"), [(1, 0, 1), (3, 1, 2)])
def test_a_killed_and_retried_batch_sends_nobody_twice(everyone, accounts, settings, chunk, in_doubt_sent,
                                                        in_doubt_lost):
    settings.MARKETING_SEND_CHUNK = chunk
    campaign = make_campaign(everyone)
    campaigns.start(campaign)
    connection = mail.get_connection()
    real_send, calls = connection.send_messages, []

    def dies_on_the_fifth(messages):
        calls.append(messages[0].to[0])
        if len(calls) == 5:
            raise WorkerKilled  # mid-batch, after the row was marked sending, before the message left
        return real_send(messages)

    connection.send_messages = dies_on_the_fifth
    with pytest.raises(WorkerKilled):
        sending.send_batch(campaign.pk, size=8, connection=connection)
    assert len(mail.outbox) == 4
    # The retry runs after the killed batch's claim went stale.
    later = timezone.now() + sending.STALE_CLAIM + timedelta(minutes=1)
    send_all(campaign, now=lambda: later)
    assert len(sent_to()) == len(set(sent_to()))  # nobody twice
    # The rows of the chunk in flight at the kill may have gone out: never retried, sent (the ones before the
    # fifth in that chunk) or not (the fifth and any after it in the chunk).
    in_doubt = set(Recipient.objects.filter(campaign=campaign, state=S.INTERRUPTED).values_list("account__email", flat=True))
    assert calls[4] in in_doubt and calls[4] not in sent_to()
    assert len(in_doubt) == chunk == in_doubt_sent + in_doubt_lost
    assert Recipient.objects.filter(campaign=campaign, state=S.SENT).count() == 12 - chunk
    assert len(mail.outbox) == 12 - in_doubt_lost


def test_two_batches_racing_claim_disjoint_rows(everyone, accounts):
    campaign = make_campaign(everyone)
    campaigns.start(campaign)
    first, second = sending.claim(campaign, 8), sending.claim(campaign, 8)
    mine = set(Recipient.objects.filter(claim_token=first).values_list("pk", flat=True))
    theirs = set(Recipient.objects.filter(claim_token=second).values_list("pk", flat=True))
    assert len(mine) == 8 and len(theirs) == 4 and not mine & theirs


def test_every_message_has_one_click_unsubscribe_headers_and_links(everyone, accounts):
    campaign = make_campaign(everyone)
    campaigns.start(campaign)
    send_all(campaign)
    message = mail.outbox[0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert url in message.body and url.replace("&", "&amp;") in message.alternatives[0][0]
    assert "/m/o/" in message.alternatives[0][0]  # the open pixel


def test_unsubscribe_works_without_signing_in_and_refuses_a_forged_signature(client, accounts):
    account = accounts[0]
    url = reverse("marketing:unsubscribe", args=[tracking.unsubscribe_token(account.pk, None)])
    assert client.get(url).status_code == 200  # a page that asks; GET changes nothing
    account.refresh_from_db()
    assert account.marketing_consent
    forged = signing.dumps([accounts[1].pk, None], salt="another-salt", compress=True)
    assert client.post(reverse("marketing:unsubscribe", args=[forged])).status_code == 400
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200  # RFC 8058 POST, no session
    account.refresh_from_db()
    accounts[1].refresh_from_db()
    assert not account.marketing_consent and accounts[1].marketing_consent


def test_click_redirect_goes_only_to_our_own_urls(client, everyone, accounts):
    campaign = make_campaign(everyone)
    campaigns.start(campaign)
    recipient = Recipient.objects.filter(campaign=campaign).first()
    response = client.get(tracking.click_url(recipient, "/title/7/").removeprefix(tracking.base_url()))
    assert response.status_code == 302 and response["Location"] == "/title/7/"
    recipient.refresh_from_db()
    assert recipient.clicked_at and recipient.opened_at
    for foreign in ("https://evil.example/", "//evil.example/x", "http://127.0.0.1:8000.evil.example/"):
        with pytest.raises(ValueError):
            tracking.click_url(recipient, foreign)
        # Even correctly signed (say the key leaked), the redirect refuses to leave the site.
        signed = signing.dumps({"r": recipient.token, "u": foreign}, salt=tracking.CLICK_SALT, compress=True)
        assert client.get(reverse("marketing:click", args=[signed])).status_code == 400
    tampered = signing.dumps({"r": recipient.token, "u": "https://evil.example/"}, salt="x", compress=True)
    assert client.get(reverse("marketing:click", args=[tampered])).status_code == 400


def test_open_pixel_records_the_open(client, everyone, accounts):
    campaign = make_campaign(everyone)
    campaigns.start(campaign)
    recipient = Recipient.objects.filter(campaign=campaign).first()
    response = client.get(reverse("marketing:open", args=[recipient.token]))
    assert response["Content-Type"] == "image/gif"
    recipient.refresh_from_db()
    assert recipient.opened_at is not None


def test_featured_title_is_the_top_unwatched_pick_the_profile_may_see(monkeypatch, accounts):
    from recommendations import services
    from recommendations.services import Row, RowItem

    profile = accounts[0].profiles.get()
    watched = make_title("Seen it")
    adult = make_title("Too old for kids", maturity_rating="R")
    fine = make_title("Just right", maturity_rating="PG")
    watch(profile, watched)
    profile.maturity_limit = "kids"
    profile.save()
    ranked = [RowItem(t.pk, 1.0, "") for t in (watched, adult, fine)]
    monkeypatch.setattr(services, "rows_for", lambda p, **kw: [Row("top_picks", "Top", ranked)])
    featured = campaigns.featured_title(campaigns.main_profile(accounts[0].pk))
    assert featured.title == fine and featured.artwork_url


def test_rate_limit_is_per_backend_and_a_setting(settings):
    settings.MARKETING_SEND_RATE = {"slow.Backend": 2, "default": 0}
    clock, slept = [100.0], []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    limiter = sending.RateLimiter("slow.Backend", clock=lambda: clock[0], sleep=sleep)
    for _ in range(5):
        limiter.wait()
    assert len(slept) == 2  # 2 a second: the 3rd and 5th wait for the next second
    assert sending.RateLimiter("other.Backend").limit == 0


def test_newcombe_interval_matches_the_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 against 48/80, method 10.
    d, lo, hi = results.newcombe_difference(56, 70, 48, 80)
    assert (round(d, 4), round(lo, 4), round(hi, 4)) == (0.2, 0.0524, 0.3339)


def test_results_attribute_returns_to_watch_and_compare_with_the_holdout(everyone, accounts):
    campaign = make_campaign(everyone, holdout=0.5)
    campaigns.start(campaign)
    send_all(campaign)
    title = make_title("Back")
    treated = Recipient.objects.filter(campaign=campaign, group="treated").select_related("account")
    converted = treated[0].account
    watch(converted.profiles.get(), title, when=campaign.started_at + timedelta(days=1))
    late = treated[1].account
    watch(late.profiles.get(), title, when=campaign.started_at + timedelta(days=30))  # outside the window
    out = results.compute(Campaign.objects.get(pk=campaign.pk))
    assert out["treated"]["conversions"] == 1 and out["holdout"]["conversions"] == 0
    assert out["treated"]["sends"] == treated.count()
    assert out["treated"]["lift_low"] < out["treated"]["lift"] < out["treated"]["lift_high"]
    assert {o["offer"] for o in out["offers"]} <= {"ten-off", "new-season"}
    assert Recipient.objects.get(campaign=campaign, account=converted).converted_at is not None


def test_results_refresh_stops_once_the_attribution_window_has_closed(everyone, accounts):
    from marketing.tasks import refresh_results_task

    campaign = make_campaign(everyone, holdout=0.5)
    campaigns.start(campaign)
    assert refresh_results_task() == [campaign.pk]
    Campaign.objects.filter(pk=campaign.pk).update(results_at=campaign.started_at + timedelta(days=9))
    assert refresh_results_task() == []  # 7-day window plus a day: final
