"""The shared edge rules for what clients type: numbers, text, addresses, files."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accord.lib.csvfile import MAX_COLUMNS, CsvFileError, read_csv
from accord.lib.inputs import MAX_ID, record_id, text_problem, whole_number
from accord.lib.middleware import MAX_QUERY_STRING
from accord.orgs.services import api_token_create


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7", 7), (" 10 ", 10), ("-3", -3), ("²", None), ("٣", None), ("1_000", None),
     ("3.5", None), ("9" * 19, None), ("", None), ("0x1F", None)],
)  # fmt: skip
def test_it_reads_only_ascii_whole_numbers(text, expected):
    assert whole_number(text) == expected


@given(st.text())
def test_it_never_raises_on_any_text(text):
    number = whole_number(text)
    assert number is None or text.strip().lstrip("+-").isascii()
    problem = text_problem(text)
    assert problem is None or "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def test_it_bounds_ids_to_what_a_database_holds():
    assert record_id(str(MAX_ID)) == MAX_ID
    assert record_id(str(MAX_ID + 1)) is None
    assert record_id("0") is None
    assert record_id(True) is None


def test_it_refuses_a_query_string_too_long_with_a_page_saying_so(alice_client, acme):
    url = reverse("goals_content", kwargs={"org_slug": acme.slug})
    response = alice_client.get(url, {"q": "x" * (MAX_QUERY_STRING + 1)})
    assert response.status_code == 414
    assert "The address is too long" in response.content.decode()


def test_it_refuses_a_nul_in_a_query_parameter_naming_it(alice_client, acme):
    url = reverse("org_audit", kwargs={"org_slug": acme.slug})
    response = alice_client.get(url + "?action=member%00")
    assert response.status_code == 400
    assert "action: Null characters are not allowed." in response.content.decode()


@pytest.fixture
def token(acme, alice):
    membership = acme.memberships.get(user=alice)
    return api_token_create(membership=membership, name="edge").secret


def test_it_answers_the_api_in_json_for_a_nul_in_the_query(client, token):
    response = client.get("/api/v1/feedback/nps?by=a%00", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400
    assert response.json() == {"detail": "by: Null characters are not allowed."}


def test_it_answers_a_query_string_too_long_as_the_api_documents_it(client, token):
    # Schemathesis found this: a generated search of 8 KB got a 414 that no
    # operation documented.
    response = client.get(
        "/api/v1/goals/content",
        {"q": "x" * (MAX_QUERY_STRING + 1)},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 414
    assert response.json() == {
        "detail": f"The address is too long: at most {MAX_QUERY_STRING} characters."
    }
    documented = client.get("/api/v1/openapi.json").json()
    operations = [
        operation
        for item in documented["paths"].values()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert operations
    assert all("414" in operation["responses"] for operation in operations)


@pytest.mark.parametrize("by", ["99999999999999999999", "0", "-1", "1_000", "plan.tier", "a.b"])
def test_it_refuses_numeric_and_dotted_segment_names(client, token, by):
    response = client.get("/api/v1/feedback/nps", {"by": by}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "by"]


def test_it_still_groups_by_a_segment_with_a_letter(client, token):
    response = client.get(
        "/api/v1/feedback/nps", {"by": "plan 2"}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200


def _wide(columns: int) -> bytes:
    header = ",".join(f"c{i}" for i in range(columns))
    return (header + "\n" + ",".join("1" for _ in range(columns)) + "\n").encode()


def test_it_reads_a_file_as_wide_as_the_limit_and_refuses_a_wider_one():
    assert len(read_csv(_wide(MAX_COLUMNS)).header) == MAX_COLUMNS
    with pytest.raises(CsvFileError, match=f"20000 columns; Accord reads at most {MAX_COLUMNS}"):
        read_csv(_wide(20_000))


def test_it_refuses_20000_columns_on_the_mapping_page_with_a_message(alice_client, acme):
    upload = SimpleUploadedFile("wide.csv", _wide(20_000), "text/csv")
    response = alice_client.post(
        reverse("pipeline_mapping_new", kwargs={"org_slug": acme.slug}),
        {"kind": "leads", "file": upload},
    )
    assert response.status_code == 400
    assert f"Accord reads at most {MAX_COLUMNS}" in response.content.decode()
    assert "c19999" not in response.content.decode()
