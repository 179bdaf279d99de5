from django.apps import AppConfig


class ChatConfig(AppConfig):
    """Alerts to Slack and Microsoft Teams channels through a durable outbox.

    It sits just above orgs and mail so every app above (goals, pipeline,
    feedback, meetings, pulse) can call ``chat_notify``; it imports none of them.
    """

    name = "accord.chat"
    label = "chat"

    def ready(self) -> None:
        from accord.chat import jobs  # noqa: F401  (registers the app's jobs)
