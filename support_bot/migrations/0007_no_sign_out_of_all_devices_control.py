"""Issue 20: two answers told people to tick or choose 'Sign out of all devices', a control Marquee does not
have; changing the password is what signs the other devices out, so they now say that. Like 0006, an answer is
replaced only while it is still the text Marquee shipped, so an answer staff have edited is kept.

Answers are read at answer time and the engine index is built from the questions only, so no rebuild is needed.
"""

from django.db import migrations

# slug -> (every text shipped for it before, the text that replaces them). Frozen copies, as in 0006.
ANSWERS: dict[str, tuple[tuple[str, ...], str]] = {
    "login-change-password": (
        ("Go to Account > Security > Change password, enter your current password and the new one. Tick 'Sign out of all devices' if you think someone else knows it.",),
        'Go to Account > Security > Change password, enter your current password and the new one. Every other device signed in to your account then needs the new password; this one stays signed in.',
    ),
    "login-hacked": (
        ("If you think someone else is using your account, change your password now (Account > Security) and choose 'Sign out of all devices'. Check your profiles ({profiles}) for any you don't recognise and tell us here if something changed.",),
        "If you think someone else is using your account, change your password now (Account > Security > Change password): every other device then needs the new password. Check your profiles ({profiles}) for any you don't recognise and choose 'Talk to a person' in this chat if something changed.",
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
    dependencies = [("support_bot", "0006_answers_say_what_marquee_does")]

    operations = [migrations.RunPython(forward, backward)]
