"""Accord's URLs plus the baseline: a bare Django view that writes one row."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from accord.urls import urlpatterns as accord_patterns


@csrf_exempt
def bare(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_row (created, value) VALUES (now(), %s)",
            [int(request.POST.get("score", "0") or 0)],
        )
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), *accord_patterns]
