"""The survey benchmark's URLs plus a bare page: one row read, a few bytes of HTML."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from bench.feedback_urls import urlpatterns as feedback_patterns


def bare_page(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM orgs_organization ORDER BY id LIMIT 1")
        row = cursor.fetchone()
    return HttpResponse(f"<!doctype html><title>bare</title><p>{row[0] if row else 0}</p>")


urlpatterns = [path("bench/page/", bare_page), *feedback_patterns]
