from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "accord.jobs"
    label = "jobs"
