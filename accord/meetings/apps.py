from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "accord.meetings"
    label = "meetings"

    def ready(self) -> None:
        from accord.meetings.builtin_sources import register_builtin_sources

        register_builtin_sources()
