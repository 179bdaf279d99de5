from django.urls import path

from accord.goals import views

urlpatterns = [
    path("", views.index, name="goals_index"),
]
