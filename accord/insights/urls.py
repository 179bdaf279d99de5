from django.urls import path

from accord.insights import views

urlpatterns = [
    path("", views.index, name="insights_index"),
]
