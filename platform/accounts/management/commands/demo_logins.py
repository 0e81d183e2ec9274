"""Print the demo logins that seed_demo creates (used by `make run`)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import User


class Command(BaseCommand):
    help = "Print the demo staff and subscriber logins, if they exist."

    def handle(self, *args, **options):
        rows = [
            ("Staff (admin)", "http://127.0.0.1:8000/admin/", settings.DEMO_STAFF_EMAIL, settings.DEMO_STAFF_PASSWORD),
            ("Subscriber", "http://127.0.0.1:8000/", settings.DEMO_SUBSCRIBER_EMAIL, settings.DEMO_SUBSCRIBER_PASSWORD),
        ]
        self.stdout.write("\nDemo logins:")
        for role, url, email, password in rows:
            if User.objects.filter(email=email).exists():
                self.stdout.write(f"  {role:<14} {url:<32} {email} / {password}")
        self.stdout.write("")
