"""The one CSV reader: files as Excel, HubSpot and Salesforce write them."""

from __future__ import annotations

import codecs
import io

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


# -- strict reading: refused rows with their numbers, never guessed text -----------------


def test_it_refuses_a_quote_never_closed_with_its_row():
    data = b'email,note\na@x.example,fine\nb@x.example,"never closed\nc@x.example,lost\n'
    table = read_csv(data)
    with pytest.raises(CsvFileError) as caught:
        list(table.rows)
    assert caught.value.row == 3
    assert str(caught.value) == "Row 3: not valid CSV (a quote opened on this row is never closed)."


def test_it_refuses_a_row_with_the_wrong_number_of_fields():
    data = "Email;Name\r\na@x.example;Ana\r\nb@x.example;Bo;extra\r\n".encode("cp1252")
    with pytest.raises(CsvFileError) as caught:
        list(read_csv(data).rows)
    assert (caught.value.row, str(caught.value)) == (
        3,
        "Row 3: has 3 fields where the header has 2.",
    )


def test_it_accepts_a_trailing_separator():
    rows = list(read_csv(b"email,name\na@x.example,Ana,\n").rows)
    assert rows[0].values == {"email": "a@x.example", "name": "Ana"}


def test_it_refuses_a_salesforce_footer_row_by_number():
    data = (
        codecs.BOM_UTF8
        + b'"Email","Name","Company"\r\n"a@x.example","Ana","Acme"\r\n""\r\n'
        + b'"Grand Totals (1 records)"\r\n"Copyright (c) 2000-2026 salesforce.com"\r\n'
    )
    rows = read_csv(data).rows
    assert next(rows).values == {"email": "a@x.example", "name": "Ana", "company": "Acme"}
    with pytest.raises(CsvFileError) as caught:
        next(rows)
    assert (caught.value.row, str(caught.value)) == (
        4,
        "Row 4: has 1 fields where the header has 3.",
    )


def test_it_reads_latin_1_as_written_and_refuses_bytes_it_cannot_read():
    latin = "email;firma\nzoe@kunde.example;Müller & Söhne\n".encode("latin-1")
    assert next(read_csv(latin).rows).get("firma") == "Müller & Söhne"
    # 0x81 means nothing in Windows-1252: refused, not a replacement character.
    data = b"email;firma\nzoe@kunde.example;M\xfcller\nana@x.example;Bad \x81\n"
    rows = read_csv(data).rows
    assert next(rows).get("firma") == "Müller"
    with pytest.raises(CsvFileError) as caught:
        next(rows)
    assert caught.value.row == 3
    assert "byte 0x81 cannot be read as Windows-1252" in str(caught.value)
    assert "UTF-8 (with or without BOM), UTF-16 or Windows-1252 (Latin-1)" in str(caught.value)


def test_it_refuses_latin_1_after_utf_8_instead_of_mixing_them():
    data = ("email,name\n" + "a@x.example,Ana\n" * 5000).encode() + b"z@x.example,Z\xfcrich\n"
    with pytest.raises(CsvFileError) as caught:
        list(read_csv(data).rows)
    assert caught.value.row == 5002
    assert "byte 0xfc cannot be read as UTF-8" in str(caught.value)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        # Windows-1252, where 0x81 means nothing.
        (
            b"email;firma\nzoe@k.example;M\xfcller\nana@k.example;Bad \x81\nbo@k.example;B\xe4r\n",
            "byte 0x81 cannot be read as Windows-1252",
        ),
        # UTF-8 for the first 64 KiB, then one Latin-1 byte.
        (
            ("email;firma\n" + "zoe@k.example;Müller\n" * 4000).encode()
            + b"ana@k.example;Z\xfcrich\n"
            + "bo@k.example;Bär\n".encode(),
            "byte 0xfc cannot be read as UTF-8",
        ),
        # UTF-16 (Excel's "Unicode text") with half a character pair.
        (
            "email\tfirma\nzoe@k.example\tMüller\n".encode("utf-16")
            + "ana@k.example\t".encode("utf-16-le")
            + b"\x00\xd8"
            + "x\nbo@k.example\tBär\n".encode("utf-16-le"),
            "half of a UTF-16 character pair",
        ),
    ],
    ids=["windows-1252", "utf-8", "utf-16"],
)
def test_it_reads_the_rows_after_one_it_cannot_read(data, why):
    """A byte the encoding cannot read refuses its own row only: the rows after
    it are read as written, not lost with it."""
    from accord.lib.tables import Unreadable, open_table

    records = list(open_table(io.BytesIO(data)).records())
    unreadable = [r for r in records if isinstance(r, Unreadable)]
    assert len(unreadable) == 1 and why in unreadable[0].message
    assert "UTF-8 (with or without BOM), UTF-16 or Windows-1252" in unreadable[0].message
    rows = [r for r in records if isinstance(r, tuple)]
    assert len(rows) == len(records) - 1
    assert rows[-1] == (len(records) + 1, ["bo@k.example", "Bär"])
    assert unreadable[0].number == len(records)
    assert all("\ufffd" not in "".join(cells) for _, cells in rows)


def test_it_refuses_rows_run_into_one_quoted_cell_of_the_right_width():
    """A quote left open in the last column swallows the next rows into one
    cell and the row still has the header's width: refused, not stored as one
    long value. A cell spanning lines with prose in it is still read."""
    from accord.lib.csvfile import row_width_error

    data = (
        b'email;name;note\na@x.example;Ana;"open\nb@x.example;Ben;x\nc@x.example;Cy;y"\n'
        b"d@x.example;Di;ok\n"
    )
    with pytest.raises(CsvFileError) as caught:
        list(read_csv(data).rows)
    assert str(caught.value) == (
        "Row 2: a quoted cell holds whole rows of the file; a quote may be left open."
    )
    prose = ["a@x.example", "Ana", "first line\nsecond; with a semicolon"]
    assert row_width_error(prose, 3, ";") is None
    assert row_width_error(["a", "b\nc,d"], 2, ",") is None  # two columns: too common to judge
