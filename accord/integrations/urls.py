"""The CRM sync page, shown in the Pipeline section (mounted at /o/<org_slug>/pipeline/crm/)."""

from django.urls import path

from accord.integrations import views

urlpatterns = [
    path("", views.crm, name="pipeline_crm"),
    path("<int:pk>/sync/", views.crm_sync, name="pipeline_crm_sync"),
]
