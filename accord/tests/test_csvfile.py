"""The one CSV reader: files as Excel, HubSpot and Salesforce write them."""

from __future__ import annotations

import codecs

import pytest

from accord.lib.csvfile import CsvFileError, read_csv, require_columns

ROWS = [
    ["Email", "First Name", "Company", "Note"],
    ["zoe@kunde.example", "Zoë", "Müller & Söhne", "Café \u2013 5 €"],
    ["", "", "", ""],
    ["ana@cliente.example", "Ana", "Señor; Sol", "línea\nnueva"],
]


def _csv(delimiter: str) -> str:
    out = []
    for row in ROWS:
        cells = [f'"{c}"' if (delimiter in c or "\n" in c) else c for c in row]
        out.append(delimiter.join(cells))
    return "\r\n".join(out) + "\r\n"


FILES = {
    # HubSpot's export: UTF-8 with a BOM, commas.
    "utf-8 BOM, comma (HubSpot)": codecs.BOM_UTF8 + _csv(",").encode("utf-8"),
    # Salesforce's report export: UTF-8 without a BOM, commas.
    "utf-8, comma (Salesforce)": _csv(",").encode("utf-8"),
    # Excel "CSV UTF-8" where the list separator is a semicolon.
    "utf-8 BOM, semicolon (Excel CSV UTF-8, EU)": codecs.BOM_UTF8 + _csv(";").encode("utf-8"),
    # Excel "CSV (Comma delimited)" on a German Windows: cp1252 and semicolons.
    "cp1252, semicolon (Excel CSV, EU)": _csv(";").encode("cp1252"),
    # Excel "Unicode text": UTF-16 little-endian with a BOM, tabs.
    "utf-16 BOM, tab (Excel Unicode text)": _csv("\t").encode("utf-16"),
    # The same without a BOM.
    "utf-16-le, tab, no BOM": _csv("\t").encode("utf-16-le"),
}


@pytest.mark.parametrize("data", FILES.values(), ids=FILES.keys())
def test_it_reads_every_export_the_same(data):
    table = read_csv(data)
    assert table.header == ["email", "first name", "company", "note"]
    rows = list(table.rows)
    # Blank row 3 is skipped; numbers are the spreadsheet's rows.
    assert [r.number for r in rows] == [2, 4]
    assert rows[0].values == {
        "email": "zoe@kunde.example",
        "first name": "Zoë",
        "company": "Müller & Söhne",
        "note": "Café \u2013 5 €",
    }
    assert rows[1].get("company") == "Señor; Sol"
    assert rows[1].get("note") == "línea\nnueva"


def test_it_names_missing_columns_and_refuses_empty_or_binary_files():
    with pytest.raises(CsvFileError, match=r"missing column\(s\) email; found who, when"):
        require_columns(read_csv(b"Who,When\nx,y\n"), "email")
    with pytest.raises(CsvFileError, match="empty"):
        read_csv(b"")
    with pytest.raises(CsvFileError, match="empty"):
        read_csv(codecs.BOM_UTF8 + b"\r\n")
    with pytest.raises(CsvFileError, match="binary"):
        read_csv(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00binary\xff\xfe")
