from django.urls import path

from accord.jobs import views

urlpatterns = [
    path("", views.instance_jobs, name="instance_jobs"),
    path("<int:pk>/retry/", views.instance_job_retry, name="instance_job_retry"),
]
