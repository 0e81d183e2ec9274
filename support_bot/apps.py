from django.apps import AppConfig


class SupportBotConfig(AppConfig):
    name = "support_bot"
    verbose_name = "Support chatbot"
