from django.urls import path

from accord.pulse import views

urlpatterns = [
    path("", views.index, name="pulse_index"),
]
