from django.urls import path

from accord.meetings import views

urlpatterns = [
    path("", views.index, name="meetings_index"),
]
