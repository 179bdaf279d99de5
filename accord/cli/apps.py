from django.apps import AppConfig


class CliConfig(AppConfig):
    """Commands that span several apps (``accord import``, ``accord demo``).

    It sits above every domain app, so it may import them all; no app imports it.
    """

    name = "accord.cli"
    label = "cli"
