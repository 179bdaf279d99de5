"""Excel workbooks read as text rows (accord.lib.workbooks), as each writer writes them.

Three writers are mirrored: Excel itself (every text in the shared strings,
a correct ``<dimension>``, dates as styled serial numbers, rich text), a
streaming writer that states no size at all (openpyxl's write-only mode,
inline strings), and writers that state ``A1`` for a full sheet (WPS,
several libraries), which openpyxl's read-only worksheets trusted, so only
the first row was read. Parts are also written by hand where a cell type
no Python writer produces has to be covered (a formula's text, an error, an
ISO date cell, phonetic guides).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from accord.lib.tables import FOOTER, TITLE, Skipped, TableError, open_table
from accord.lib.workbooks import Workbook, WorkbookError


def _rows(data: bytes, sheet: str | None = None) -> list[list[str]]:
    book = Workbook(io.BytesIO(data))
    return list(book.rows(sheet or next(iter(book.sheets))))


def _saved(book: OpenpyxlWorkbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _excel_like() -> bytes:
    book = OpenpyxlWorkbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Leads"
    sheet.append(["Record ID", "Email", "Create Date", "Amount", "Won", "Close Date"])
    sheet.append([101, " ada@prospect.example ", datetime(2026, 3, 31, 14, 5), 12500.5, True])
    sheet["F2"] = date(2026, 4, 30)
    sheet.append([])  # a blank row Excel leaves out of the file
    sheet.append([102, CellRichText("bo@", TextBlock(InlineFont(b=True), "prospect.example"))])
    sheet["D4"] = 1200
    sheet["D4"].number_format = "#,##0.00"
    sheet["C4"] = time(9, 15)
    sheet["E5"] = "only the fifth column"
    return _saved(book)


def test_it_reads_an_excel_saved_sheet_with_its_dates_numbers_and_blank_rows():
    assert _rows(_excel_like()) == [
        ["Record ID", "Email", "Create Date", "Amount", "Won", "Close Date"],
        [
            "101",
            "ada@prospect.example",
            "2026-03-31T14:05:00",
            "12500.5",
            "true",
            "2026-04-30T00:00:00",
        ],
        [],
        ["102", "bo@prospect.example", "09:15:00", "1200"],
        ["", "", "", "", "only the fifth column"],
    ]


def _with_stated_size(data: bytes, size: str) -> bytes:
    """The workbook with its sheet's ``<dimension>`` rewritten as another writer states it."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            part = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                start = part.index(b"<dimension")
                end = part.index(b"/>", start) + 2
                part = part[:start] + f'<dimension ref="{size}"/>'.encode() + part[end:]
            target.writestr(item, part)
    return out.getvalue()


def test_it_reads_every_row_of_a_sheet_that_states_its_size_as_a1():
    wrong = _with_stated_size(_excel_like(), "A1")
    assert b'<dimension ref="A1"/>' in zipfile.ZipFile(io.BytesIO(wrong)).read(
        "xl/worksheets/sheet1.xml"
    )
    assert _rows(wrong) == _rows(_excel_like())
    table = open_table(io.BytesIO(wrong))
    emails = [
        cells[1] for item in table.records() if isinstance(item, tuple) for cells in [item[1]]
    ]
    assert emails == ["ada@prospect.example", "bo@prospect.example", ""]


def test_it_reads_a_streamed_workbook_that_states_no_size():
    book = OpenpyxlWorkbook(write_only=True)
    sheet = book.create_sheet("Export")
    sheet.append(["Kunden-Nr", "E-Mail-Adresse", "MQL am"])
    for number in range(1, 4):
        sheet.append([7000 + number, f"lead{number}@prospect.example", datetime(2026, 2, number)])
    data = _saved(book)
    assert b"<dimension" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert _rows(data)[1:] == [
        ["7001", "lead1@prospect.example", "2026-02-01T00:00:00"],
        ["7002", "lead2@prospect.example", "2026-02-02T00:00:00"],
        ["7003", "lead3@prospect.example", "2026-02-03T00:00:00"],
    ]


def test_it_reads_dates_of_a_workbook_counting_from_1904():
    book = OpenpyxlWorkbook()
    book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Create Date"])
    sheet.append(["Ana", datetime(2026, 1, 25, 18, 55)])
    data = _saved(book)
    assert b'date1904="1"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml")
    assert _rows(data)[1] == ["Ana", "2026-01-25T18:55:00"]


MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _by_hand(sheet: str, strings: str = "", sheets: tuple[str, ...] = ("Sheet1",)) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        listed = "".join(
            f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(sheets, start=1)
        )
        book.writestr(
            "xl/workbook.xml", f"<workbook {MAIN} {RELS}><sheets>{listed}</sheets></workbook>"
        )
        targets = "".join(
            f'<Relationship Id="rId{i}" Type="worksheet" Target="/xl/worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{targets}</Relationships>",
        )
        for i in range(1, len(sheets) + 1):
            book.writestr(
                f"xl/worksheets/sheet{i}.xml",
                f"<worksheet {MAIN}><sheetData>{sheet}</sheetData></worksheet>",
            )
        if strings:
            book.writestr("xl/sharedStrings.xml", f"<sst {MAIN}>{strings}</sst>")
    return out.getvalue()


def test_it_reads_each_kind_of_cell_a_writer_may_store():
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="str"><f>A1&amp;"!"</f><v>Total!</v></c><c r="D1" t="e"><v>#N/A</v></c></row>'
        '<row><c t="d"><v>2026-03-31T14:05:00Z</v></c><c t="b"><v>0</v></c>'
        '<c t="inlineStr"><is><r><t>Grace </t></r><r><rPr><b/></rPr><t>Hopper</t></r></is></c>'
        "<c><v>-1.25E3</v></c><c><v>0.1</v></c></row>"
    )
    strings = (
        "<si><t>Customer_x005F_x000D_ ID</t></si>"
        '<si><r><t>\u5c71\u7530</t></r><rPh sb="0" eb="2"><t>\u30e4\u30de\u30c0</t></rPh></si>'
    )
    assert _rows(_by_hand(sheet, strings)) == [
        ["Customer_x000D_ ID", "\u5c71\u7530", "Total!", "#N/A"],
        ["2026-03-31T14:05:00+00:00", "false", "Grace Hopper", "-1250", "0.1"],
    ]


def test_it_expands_no_entity_a_stranger_wrote_into_a_sheet():
    entity = b'<!DOCTYPE worksheet [<!ENTITY lol "lollollollol">]>'
    data = _by_hand(_text_row(1, "&lol;", "x"))
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            part = source.read(item)
            if item.filename.endswith("sheet1.xml"):
                part = entity + part
            target.writestr(item, part)
    assert "lollollollol" not in " ".join(_rows(out.getvalue())[0])


def _text_row(number: int, *texts: str) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{text}</t></is></c>' for text in texts)
    return f'<row r="{number}">{cells}</row>'


def test_it_names_the_row_where_a_damaged_sheet_stops_being_readable():
    with pytest.raises(WorkbookError, match=r"^Row 2 of the workbook cannot be read"):
        _rows(_by_hand(_text_row(1, "Email") + '<row r="2"><c>'))
    damaged = _by_hand(_text_row(1, "Email", "Name") + _text_row(2, "a@b.example", "A") + "<row>")
    with pytest.raises(TableError, match="Row 3 of the workbook cannot be read"):
        list(open_table(io.BytesIO(damaged)).records())


def test_it_refuses_a_zip_that_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(TableError, match=r"This \.xlsx workbook cannot be opened"):
        open_table(io.BytesIO(out.getvalue()))


def test_it_reads_a_workbook_a_second_time_from_the_text_kept_the_first():
    data = _by_hand(
        _text_row(1, "Leads by Source")
        + _text_row(3, "Email", "Name")
        + _text_row(4, "a@b.example", 'Ann "A", x\nline')
        + _text_row(6, "Generated By: Jane Admin")
    )
    raw = io.BytesIO(data)
    first = open_table(raw, reread=True)
    unread_second = first.again(raw)  # nothing read yet: the file is opened again
    records = list(first.records())
    assert records == [
        Skipped(1, TITLE),
        (4, ["a@b.example", 'Ann "A", x\nline']),
        Skipped(6, FOOTER),
    ]
    raw.close()  # the second pass needs the kept text only
    assert list(first.again(raw).records()) == records
    assert list(unread_second.records()) == records
    # A reader that reads once keeps no text: a second pass opens the file again.
    once_raw = io.BytesIO(data)
    once = open_table(once_raw)
    assert list(once.records()) == records
    once_raw.close()
    with pytest.raises(ValueError, match="closed file"):
        once.again(once_raw)
