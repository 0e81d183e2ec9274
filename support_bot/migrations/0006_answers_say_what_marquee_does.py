"""Issue 20: answers that sent people to screens Marquee does not have, or promised payment, card and region
actions it does not take (billing is simulated; only staff change an account's region), now say what Marquee
does. 0003 seeds the knowledge base once, so a database seeded earlier still holds the old texts: an answer
is replaced only while it is still one of the texts Marquee shipped, so an answer staff have edited is kept.

Answers are read at answer time and the engine index is built from the questions only, so no rebuild is needed.
"""

from django.db import migrations

# slug -> (every text shipped for it before, the text that replaces them). Frozen copies: a migration must
# not read support_bot/data/faq.json, which keeps changing.
ANSWERS: dict[str, tuple[tuple[str, ...], str]] = {
    "account-delete": (
        (
            "To delete your account and its data permanently, cancel first, then go to Account > Privacy > Delete account. Deletion finishes within 30 days and can't be undone.",
        ),
        "To delete your account and its data permanently, cancel first under Account > Cancel membership, then choose 'Talk to a person' in this chat and ask for deletion. Deletion finishes within 30 days and can't be undone.",
    ),
    "billing-double-charge": (
        (
            "Sorry about that. A second charge is usually a pending authorisation that your bank releases within 3–5 working days. If both charges are still there after that, tell us here and a person will refund the duplicate.",
        ),
        "Marquee never charges a card or a bank account: billing is simulated, so no real money has left your account. Each line under Account > Billing history is one bill; an upgrade adds a second one, for the rest of that billing period, next to the monthly bill. If two bills there cover the same thing, choose 'Talk to a person' in this chat.",
    ),
    "billing-gift-card": (
        (
            "To redeem a Marquee gift card, go to Account > Billing > Redeem gift card and type the code from the back of the card. The balance pays for your subscription before your card is charged.",
            "Marquee has no gift-card screen: choose 'Talk to a person' in this chat with the code from the back of the card, and the team adds its balance, which pays for your subscription before your card is charged.",
        ),
        "Marquee has no gift cards, and billing is simulated (no real charges are made), so there is no balance to add. The plans and their prices are under Account > Plan.",
    ),
    "billing-next-charge": (
        (
            "You're on the {plan} plan at {plan_price}. Your next payment is taken on {next_billing_date}. You can see every past charge under Account > Billing history.",
        ),
        "You're on the {plan} plan at {plan_price}. Your next bill is on {next_billing_date}. Billing on Marquee is simulated: bills are recorded on your account, but no real money is taken. You can see every past bill under Account > Billing history.",
    ),
    "billing-payment-declined": (
        (
            "If a payment is declined we retry it over the next 7 days and your account stays active meanwhile. Check that the card hasn't expired and has funds, or add another payment method under Account > Billing. If your bank blocked it, ask them to allow charges from Marquee.",
        ),
        "A Marquee payment can't be declined: billing is simulated, so no card is charged and no bank is involved. Each month's bill is added to your account on its billing date and your membership stays active until you cancel it; every bill is under Account > Billing history. If you saw a message saying a payment failed, choose 'Talk to a person' in this chat.",
    ),
    "billing-price-change": (
        (
            "Your plan, {plan}, currently costs {plan_price}. When prices change we email you at least 30 days before the new price applies, and you can switch plan or cancel before then.",
        ),
        "Your plan, {plan}, costs {plan_price}. If a plan's price changes, the new price applies from your next bill ({next_billing_date}); what you were billed before stays as it is under Account > Billing history. You can switch plan under Account > Plan, or cancel under Account > Plan > Cancel membership.",
    ),
    "billing-refund": (
        (
            "Marquee subscriptions are paid in advance and we don't give partial refunds for unused time, but if you were charged by mistake or couldn't use the service, ask here and a person will look at a refund.",
        ),
        "Billing on Marquee is simulated: no real money is taken, so there is nothing to refund. Go to Account > Plan > Cancel membership to stop further bills; you keep watching until {next_billing_date}. If something under Account > Billing history is wrong, choose 'Talk to a person' in this chat.",
    ),
    "billing-update-payment": (
        (
            "To change how you pay, go to Account > Billing > Payment method, choose Update, and enter the new card or PayPal details. The change applies from your next charge on {next_billing_date}.",
            "Payment details are not on the account screens: our support team changes them for you, so choose 'Talk to a person' in this chat. Your charges so far are under Account > Billing history, and the next one is due on {next_billing_date}.",
        ),
        "Marquee holds no card or other payment details: billing is simulated and no real charges are made, so there is nothing to update. Your bills so far are under Account > Billing history, and the next one is on {next_billing_date}.",
    ),
    "cancel-pause": (
        (
            "You can pause your membership for one, two or three months under Account > Plan > Pause. Nothing is charged while it's paused and it restarts automatically.",
        ),
        "Marquee can't pause a membership. You can cancel under Account > Cancel membership: you keep watching until the end of the period you paid for, and you can restart any time with your profiles and history kept.",
    ),
    "login-cant-sign-in": (
        (
            "Check you're using the email on the account ({email}) and that Caps Lock is off. After five wrong tries sign-in is locked for 15 minutes. If it still fails, reset your password from the sign-in page.",
        ),
        "Check you're using the email on the account ({email}) and that Caps Lock is off. After five wrong tries in a minute, sign-in refuses more tries for a minute. If it still fails, choose 'Forgot password?' on the sign-in page.",
    ),
    "login-change-email": (
        (
            "Your account email is {email}. To change it go to Account > Security > Email, enter the new address and confirm the link we send to it.",
        ),
        "Your account email is {email}. The account screens can't change it yet: choose 'Talk to a person' in this chat, and the team changes it after confirming a link we send to the new address.",
    ),
    "login-sign-out-devices": (
        (
            "Go to Account > Security > Sign out of all devices. Every device will need the password again within a couple of hours.",
        ),
        "To sign out every other device, change your password (Account > Change password): each other device then needs the new password. If you think someone else is using your account, choose 'Talk to a person' in this chat too.",
    ),
    "login-two-factor": (
        (
            "Turn on two-step verification under Account > Security > Two-step verification. You'll confirm new sign-ins with a code from an authenticator app.",
        ),
        "Marquee doesn't offer two-step verification yet. Keep your account safe with a long password that you use nowhere else (Account > Change password), and give adult profiles a PIN.",
    ),
    "parental-block-title": (
        (
            "You can block a specific title for a profile under Profiles > Manage profiles > Maturity > Title restrictions, whatever its rating.",
        ),
        "Marquee limits titles by maturity rating rather than one by one: set a profile's Maturity limit when you edit it under Profiles > Manage profiles, and give adult profiles a PIN so children can't switch to them.",
    ),
    "playback-audio-subtitles": (
        (
            "During playback open the speech-bubble menu to pick audio language and subtitles. Subtitle size and style are under Profiles > Manage profiles > Subtitle appearance.",
        ),
        "During playback, the player's own menu picks the audio language and subtitles where the title has them. Picture quality is under Account > Playback settings.",
    ),
    "playback-continue-autoplay": (
        (
            "Autoplay of the next episode and of previews is set per profile under Profiles > Manage profiles > Autoplay controls.",
        ),
        "Marquee doesn't play the next episode on its own. Previews on cards and title pages play muted and stay still when your device asks for reduced motion; picture quality is under Account > Playback settings.",
    ),
    "privacy-cookies": (
        (
            "We use essential cookies to keep you signed in and optional ones for measurement. Change your choice any time under Account > Privacy > Cookie preferences.",
        ),
        "Marquee uses only the cookies that keep you signed in and protect your forms (session and CSRF); it sets none for measurement or advertising, so there is nothing to choose.",
    ),
    "privacy-download-data": (
        (
            "You can request a copy of your data under Account > Privacy > Download your information. We email a link within 30 days; the file covers your account, profiles, viewing history and ratings.",
        ),
        "To get a copy of your data, choose 'Talk to a person' in this chat and ask for it. We email a link within 30 days; the file covers your account, profiles, viewing history and ratings.",
    ),
    "regions-move-country": (
        (
            "Your account region is {region}. If you've moved, update your payment method to one from your new country; the region and prices follow it at the next billing date ({next_billing_date}).",
        ),
        "Your account region is {region}. It comes from your account's country, and only Marquee staff can change it: you can't change it yourself. If you've moved, choose 'Talk to a person' in this chat and tell us your new country; staff change the region on your account, and the catalogue then shows what is licensed there. Your plan and bills stay the same.",
    ),
    "regions-travel": (
        (
            "You can watch while travelling; the catalogue changes to the country you're in. Your account region stays {region} and billing doesn't change. Downloads keep working offline abroad.",
        ),
        "Your catalogue follows your account's region ({region}), not where you are, so travelling doesn't change what you can watch or what you're billed. If you've moved to another country for good, only Marquee staff can change the region: choose 'Talk to a person' in this chat.",
    ),
    "regions-vpn": (
        (
            "Marquee can't be used through most VPNs or proxies because titles are licensed per region. Turn off the VPN or proxy and try again.",
        ),
        "A VPN or proxy doesn't change what you can watch: the catalogue follows your account's region ({region}), not where your connection appears to be. If a title isn't showing, it isn't licensed in {region} right now.",
    ),
}


def forward(apps, schema_editor):
    FaqEntry = apps.get_model("support_bot", "FaqEntry")
    for slug, (shipped, new) in ANSWERS.items():
        FaqEntry.objects.filter(slug=slug, answer__in=shipped).update(answer=new)


def backward(apps, schema_editor):
    FaqEntry = apps.get_model("support_bot", "FaqEntry")
    for slug, (shipped, new) in ANSWERS.items():
        FaqEntry.objects.filter(slug=slug, answer=new).update(answer=shipped[-1])


class Migration(migrations.Migration):
    dependencies = [("support_bot", "0005_plans_answer_from_plan_table")]

    operations = [migrations.RunPython(forward, backward)]
