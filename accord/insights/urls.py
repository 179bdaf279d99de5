from django.urls import path

from accord.insights import views

urlpatterns = [
    path("", views.index, name="insights_index"),
    path("report/", views.report_index, name="insights_report_index"),
    # <str:…>: a malformed quarter reaches the view, which names the problem (400).
    path("report/<str:quarter>/", views.report, name="insights_report"),
    path("report/<str:quarter>/pdf/", views.report_pdf, name="insights_report_pdf"),
]
