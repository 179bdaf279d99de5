from django.apps import AppConfig


class PulseConfig(AppConfig):
    name = "accord.pulse"
    label = "pulse"
