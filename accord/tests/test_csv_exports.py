"""The one CSV writer: no exported cell, header included, runs as a formula."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.lib.csvfile import FORMULA_STARTS, csv_lines, csv_response, neutralise

cells = st.text() | st.sampled_from(["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'=x"])


def _read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cells, min_size=1, max_size=6), min_size=1, max_size=6))
def test_it_never_writes_a_cell_a_spreadsheet_reads_as_a_formula(rows):
    written = _read_back("".join(csv_lines(rows)))
    assert len(written) == len(rows)  # the header (row 0) is one of the rows
    for original, back in zip(rows, written, strict=True):
        assert len(back) == len(original)
        for value, cell in zip(original, back, strict=True):
            assert not cell.startswith(FORMULA_STARTS)
            # Nothing else changes: the quote is added only in front of a formula.
            assert cell == ("'" + value if value.startswith(FORMULA_STARTS) else value)


def test_it_writes_numbers_as_numbers_and_none_as_empty():
    assert [neutralise(v) for v in (-12, -0.5, Decimal("-3.25"), None, "-12")] == [
        "-12",
        "-0.5",
        "-3.25",
        "",
        "'-12",
    ]


def test_it_streams_a_download_with_a_file_name():
    response = csv_response([["=h"], ["@v"]], filename="x.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert b"".join(response) == b"'=h\r\n'@v\r\n"
