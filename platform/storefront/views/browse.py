"""Home rows, the rows API, and the title page with its rating and My List controls."""

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from accounts.models import Profile
from activity import actions
from activity.impressions import log_impressions
from activity.models import MyListEntry, Rating, ViewingEvent
from artwork.services import choose_artwork, choose_preview, log_preview
from catalog.models import MediaAsset, Title, subscriber_tag_names
from search.services import record_opened

from .. import rows as row_service
from ..cards import Card
from .common import needs_onboarding, profile_required

# The whole home page is cached per profile, like its rows (until the profile acts or the cache period
# ends), with a placeholder where each response gets its own CSRF token: a warm home page renders no
# template at all. A page with flash messages to show is rendered normally.
CSRF_PLACEHOLDER = row_service.CSRF_PLACEHOLDER


def _home_page(request: HttpRequest, profile: Profile, csrf_token: str) -> tuple[str, str]:
    rows, shown = row_service.home_rows_markup(profile)
    # "Welcome back" only to a profile that has watched something; a new one is simply welcomed.
    welcome_back = ViewingEvent.objects.filter(profile=profile).exists()
    context = {"profile": profile, "home": rows, "csrf_token": csrf_token, "welcome_back": welcome_back}
    return render_to_string("storefront/home.html", context, request), shown


@profile_required
def home(request: HttpRequest) -> HttpResponse:
    profile = request.profile
    if needs_onboarding(profile):
        return redirect("storefront:onboarding")
    if get_messages(request):
        page, shown = _home_page(request, profile, get_token(request))
    else:
        page, shown = row_service.cached_for_profile(
            profile, "home-page", lambda: _home_page(request, profile, CSRF_PLACEHOLDER)
        )
    page = page.replace(CSRF_PLACEHOLDER, get_token(request))  # the rows' hero form carries one too
    log_impressions(profile.pk, shown)
    return HttpResponse(page)


@profile_required
def rows_api(request: HttpRequest) -> JsonResponse:
    """The same rows as the home page, as JSON (for apps and the load benchmark)."""
    rows = row_service.home_rows(request.profile)
    return JsonResponse(
        {
            "profile": request.profile.pk,
            "rows": [
                {
                    "key": row.key,
                    "heading": row.heading,
                    "items": [
                        {"title_id": c.title.pk, "name": c.title.name, "reason": c.reason, "image": c.image_url}
                        for c in row.cards
                    ],
                }
                for row in rows
            ],
        }
    )


@profile_required
def title_detail(request: HttpRequest, title_id: int) -> HttpResponse:
    profile = request.profile
    title = get_object_or_404(Title.objects.visible_to(profile).prefetch_related("genres"), pk=title_id)
    if "from_search" in request.GET:
        record_opened(profile, request.GET["from_search"], title)
    choice = choose_artwork(profile, [title])[title.pk]
    hero = Card(title, choice.url, "", 0, choice.asset_id)
    preview = choose_preview(profile, title)  # the muted preview over the artwork (artwork/_title_preview.html)
    if preview:
        log_preview(profile, title, preview, "title")
    rating = Rating.objects.filter(profile=profile, title=title).first()
    context = {
        "title": title,
        "hero": hero,
        "preview": preview,
        "thumb": rating.thumb if rating else None,
        "on_list": MyListEntry.objects.filter(profile=profile, title=title).exists(),
        "has_video": title.media_assets.filter(kind=MediaAsset.Kind.VIDEO, status=MediaAsset.Status.READY).exists(),
        "similar": row_service.more_like_this(profile, title),
        "tags": subscriber_tag_names(title),
    }
    return render(request, "storefront/title.html", context)


@profile_required
@require_POST
def rate_title(request: HttpRequest, title_id: int) -> HttpResponse:
    profile = request.profile
    title = get_object_or_404(Title.objects.visible_to(profile), pk=title_id)
    choice = request.POST.get("thumb")
    if choice not in {"1", "-1", "clear"}:
        return HttpResponse("thumb must be 1, -1 or clear", status=400)
    actions.set_thumb(profile, title, None if choice == "clear" else int(choice))
    return redirect("storefront:title", title_id=title.pk)


@profile_required
@require_POST
def toggle_my_list(request: HttpRequest, title_id: int) -> HttpResponse:
    profile = request.profile
    title = get_object_or_404(Title.objects.visible_to(profile), pk=title_id)
    actions.toggle_my_list(profile, title)
    if request.POST.get("back") == "my_list":
        return redirect("storefront:my_list")
    if request.POST.get("back") == "home":
        return redirect("storefront:home")
    return redirect("storefront:title", title_id=title.pk)
