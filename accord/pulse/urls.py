"""Pages of the Pulse section, under /o/<org_slug>/pulse/."""

from django.urls import path

from accord.pulse import scorecard_views, views

urlpatterns = [
    path("", views.index, name="pulse_index"),
    path("settings/", views.pulse_settings, name="pulse_settings"),
    path("open/", views.cycle_open, name="pulse_cycle_open"),
    path("<int:pk>/", views.results, name="pulse_results"),
    path("<int:pk>/answer/", views.answer, name="pulse_answer"),
    path("<int:pk>/close/", views.cycle_close, name="pulse_cycle_close"),
    path("scorecard/", scorecard_views.index, name="pulse_scorecard"),
    path("scorecard/new/", scorecard_views.measurable_form, name="pulse_scorecard_create"),
    path("scorecard/<int:pk>/edit/", scorecard_views.measurable_form, name="pulse_scorecard_edit"),
    path("scorecard/<int:pk>/value/", scorecard_views.value_enter, name="pulse_scorecard_value"),
]
