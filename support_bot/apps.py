"""Support chatbot: answers from the knowledge base, or hands off to a person."""
from django.apps import AppConfig


class SupportBotConfig(AppConfig):
    name = "support_bot"
    verbose_name = "Support chatbot"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the rebuild-on-change receivers)
