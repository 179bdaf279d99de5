from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "accord.mail"
    label = "mail"

    def ready(self) -> None:
        from accord.mail import jobs  # noqa: F401  (registers the app's jobs)
