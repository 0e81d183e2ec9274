"""Campaign templates: the placeholders a campaign may use, in the shared syntax (`messaging.templating`)."""

from messaging.templating import PlaceholderSyntax

PLACEHOLDERS: dict[str, str] = {
    "profile_name": "the name of the account's main profile",
    "email": "the recipient's email",
    "plan": "the recipient's plan name",
    "region": "the recipient's region",
    "title": "the featured title (the recommender's top unwatched pick the profile may see)",
    "title_url": "tracked link to the featured title",
    "artwork_url": "the featured title's personalised artwork",
    "offer": "the offer's headline",
    "offer_details": "the offer's details",
    "offer_url": "tracked link of the offer",
    "unsubscribe_url": "the signed one-click unsubscribe link",
}

SYNTAX = PlaceholderSyntax(PLACEHOLDERS)
template_errors = SYNTAX.errors
render = SYNTAX.render  # render(template, context, html=False): values escaped in the HTML part
