"""Every link in the demo leads each role to a page that answers.

The demo is followed as each of its people finds it: from the organisation's
home, link by link, through Django's test client. ``pages_of`` gives one
address per kind of page (URL route), as one template draws every goal or
campaign alike; the browser crawl (tests/browser/test_every_demo_page.py)
visits those. The demo has no admin: an owner sees everything an admin does,
and more.
"""

from __future__ import annotations

import html
import re
from collections import deque

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from accord.cli.demo import seed_demo
from accord.jobs.testing import run_queued_jobs
from accord.orgs.models import Membership

PEOPLE = {
    "owner": "nadia@northwind.example",
    "sales_lead": "sam@northwind.example",
    "marketing_lead": "maya@northwind.example",
    "sales_member": "alex@northwind.example",
    "marketing_member": "priya@northwind.example",
    "viewer": "vera@northwind.example",
}
LINK = re.compile(r'href="(/o/northwind/[^"#]*)"')
# Links that leave, sign out or download rather than show a page.
NOT_PAGES = ("/logout", "/leave", "/delete", "/remove", ".pdf", ".csv", ".ics", "/export")


def pages_of(client: Client, limit: int = 150) -> tuple[list[str], list[str]]:
    """One address per kind of page ``client``'s person reaches by following
    links, and every link that answered neither a page nor a redirect."""
    routes: dict[str, str] = {}
    broken: list[str] = []
    seen: set[str] = set()
    queue = deque(["/o/northwind/"])
    while queue and len(routes) < limit:
        path = queue.popleft()
        if path in seen or any(part in path for part in NOT_PAGES):
            continue
        seen.add(path)
        try:
            route = resolve(path.split("?")[0]).route
        except Resolver404:
            broken.append(f"{path}: no such address")
            continue
        if route in routes:
            continue
        response = client.get(path)
        if response.status_code >= 400:
            broken.append(f"{path}: HTTP {response.status_code}")
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        routes[route] = path
        for link in LINK.findall(response.content.decode()):
            queue.append(html.unescape(link))
    return list(routes.values()), broken


@pytest.mark.django_db
def test_it_links_each_role_only_to_pages_that_answer():
    organization = seed_demo()
    run_queued_jobs()
    found: dict[str, list[str]] = {}
    for role, email in PEOPLE.items():
        person = Membership.objects.get(organization=organization, user__email=email)
        client = Client()
        client.force_login(person.user)
        pages, broken = pages_of(client)
        # Each role has a real product to walk through, not a handful of pages.
        assert len(pages) >= (15 if role == "viewer" else 30), (role, pages)
        if broken:
            found[role] = broken
    assert found == {}
