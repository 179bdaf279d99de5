from django.urls import path

from accord.pipeline import views

urlpatterns = [
    path("", views.index, name="pipeline_index"),
    path("triage/", views.triage, name="pipeline_triage"),
    path("triage/bulk/", views.triage_bulk, name="pipeline_triage_bulk"),
    path("leads/<int:pk>/accept/", views.lead_accept, name="pipeline_lead_accept"),
    path("leads/<int:pk>/reject/", views.lead_reject, name="pipeline_lead_reject"),
    path("leads/<int:pk>/touch/", views.lead_touch, name="pipeline_lead_touch"),
    path("agreement/", views.agreement, name="pipeline_agreement"),
    path("agreement/<int:pk>/agree/", views.agreement_agree, name="pipeline_agreement_agree"),
    path("compliance/", views.compliance, name="pipeline_compliance"),
    path("imports/", views.imports, name="pipeline_imports"),
    path("imports/<int:pk>/", views.import_detail, name="pipeline_import"),
    path("imports/stages/", views.stage_mappings, name="pipeline_stage_mappings"),
    path("imports/<int:pk>/refused.csv", views.import_errors, name="pipeline_import_errors"),
    path("mappings/new/", views.mapping_new, name="pipeline_mapping_new"),
]
