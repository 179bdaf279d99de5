from django.urls import path

from accord.pipeline import views

urlpatterns = [
    path("", views.index, name="pipeline_index"),
]
