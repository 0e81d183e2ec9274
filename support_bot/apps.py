"""Support chatbot: answers from the knowledge base, or hands off to a person."""
from django.apps import AppConfig


class SupportBotConfig(AppConfig):
    name = "support_bot"
    verbose_name = "Support chatbot"

    def ready(self) -> None:
        from . import signals, warmup  # noqa: F401  (signals connects the rebuild-on-change receivers on import)

        warmup.connect()  # connects a signal only: the engine loads at the process's first request
