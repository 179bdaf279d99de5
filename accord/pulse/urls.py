"""Pages of the Pulse section, under /o/<org_slug>/pulse/."""

from django.urls import path

from accord.pulse import views

urlpatterns = [
    path("", views.index, name="pulse_index"),
    path("open/", views.cycle_open, name="pulse_cycle_open"),
    path("<int:pk>/answer/", views.answer, name="pulse_answer"),
    path("<int:pk>/close/", views.cycle_close, name="pulse_cycle_close"),
]
