"""An Excel workbook's sheet (``.xlsx``) as rows of text, streamed.

The file is a zip of XML parts (ECMA-376, SpreadsheetML): the workbook names
its sheets, each sheet lists its rows of cells, text cells point into a table
of shared strings, and a number cell is a date when its style's number format
is a date format. This module reads those parts with lxml, one row at a time,
and hands each cell over as the text a CSV export of it would hold (see
``cell_text``), with openpyxl's public helpers deciding which number formats
are dates and turning Excel's serial numbers into dates.

Why not openpyxl's read-only worksheets, which do the same: they cost about
20-30 µs of Python per cell, and when a sheet does not state its size they
parse the whole sheet once more just to find it. An import reads a file twice
(conventions, then rows), so a 1,000,000-row HubSpot workbook took over half
an hour. They also trust the size a sheet states, and several writers state
``A1`` for a full sheet (openpyxl's documentation, "worksheet dimensions"):
every row after the first was then silently left out. Here rows are read
until the sheet ends, whatever it states.

Memory: the shared strings are held in a list (Excel writes every text cell
there), the rows are streamed and each is dropped once read.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_ROW, _VALUE, _TEXT = MAIN + "row", MAIN + "v", MAIN + "t"
_INLINE, _RUN = MAIN + "is", MAIN + "r"
_DIGITS = "0123456789"
# Entities are never expanded and nothing is fetched: the file is a stranger's.
_SAFE = {"resolve_entities": False, "no_network": True}


class WorkbookError(ValueError):
    """The workbook cannot be read; the message says why, for the user."""


def _text_of(element: Any) -> str:
    """The text of a shared or inline string: its ``t``, or its rich-text runs'
    ``t`` joined, without the phonetic guides (``rPh``) Japanese files carry.
    (Children are walked by hand: ``find`` parses its path on every call.)"""
    runs: list[str] = []
    for child in element:
        tag = child.tag
        if tag == _TEXT:
            return child.text or ""
        if tag == _RUN:
            runs.extend(piece.text or "" for piece in child if piece.tag == _TEXT)
    return "".join(runs)


def _part(book: zipfile.ZipFile, name: str) -> IO[bytes] | None:
    try:
        return book.open(name)
    except KeyError:
        return None


class Workbook:
    """The sheets of an ``.xlsx`` file; ``rows(name)`` streams one of them."""

    def __init__(self, raw: IO[bytes]) -> None:
        try:
            self._zip = zipfile.ZipFile(raw)
            workbook = etree.parse(self._zip.open("xl/workbook.xml"), etree.XMLParser(**_SAFE))
            rels = etree.parse(
                self._zip.open("xl/_rels/workbook.xml.rels"), etree.XMLParser(**_SAFE)
            )
        except (zipfile.BadZipFile, KeyError, OSError, etree.XMLSyntaxError) as error:
            raise WorkbookError(f"This .xlsx workbook cannot be opened ({error}).") from None
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(_PACKAGE_RELS)}
        self.sheets: dict[str, str] = {}
        for sheet in workbook.iter(MAIN + "sheet"):
            target = targets.get(sheet.get(_REL), "")
            # Targets are relative to xl/, or absolute within the package.
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            self.sheets[sheet.get("name", "")] = posixpath.normpath(path)
        properties = workbook.find(MAIN + "workbookPr")
        in_1904 = properties is not None and properties.get("date1904") in ("1", "true")
        self._epoch = CALENDAR_MAC_1904 if in_1904 else CALENDAR_WINDOWS_1900
        self._dates, self._durations = self._date_styles()
        self._strings: list[str] | None = None

    def _date_styles(self) -> tuple[set[int], set[int]]:
        """The indexes of the cell styles whose number format shows a date or
        time, and of those showing a duration (``[h]:mm``)."""
        source = _part(self._zip, "xl/styles.xml")
        if source is None:
            return set(), set()
        styles = etree.parse(source, etree.XMLParser(**_SAFE)).getroot()
        formats: dict[int, str] = {
            int(f.get("numFmtId", "0")): f.get("formatCode", "")
            for f in styles.iter(MAIN + "numFmt")
        }
        dates: set[int] = set()
        durations: set[int] = set()
        cell_styles = styles.find(MAIN + "cellXfs")
        for index, style in enumerate(() if cell_styles is None else cell_styles):
            number = int(style.get("numFmtId", "0"))
            code = formats.get(number) or BUILTIN_FORMATS.get(number, "General")
            if is_date_format(code):
                dates.add(index)
                if is_timedelta_format(code):
                    durations.add(index)
        return dates, durations

    def _shared_strings(self) -> list[str]:
        if self._strings is None:
            self._strings = []
            source = _part(self._zip, "xl/sharedStrings.xml")
            if source is not None:
                for _, item in etree.iterparse(source, tag=MAIN + "si", **_SAFE):
                    # Excel escapes an underscore that would read as _xHHHH_.
                    self._strings.append(_text_of(item).replace("_x005F_", "_"))
                    item.clear()
        return self._strings

    def rows(self, name: str) -> Iterator[list[str]]:
        """Every row of sheet ``name`` from the first, as text cells: a row
        missing from the file (blank) comes as ``[]``, a cell missing from a row
        as ``""``, so rows and columns keep their places."""
        strings = self._shared_strings()
        dates, durations, epoch = self._dates, self._durations, self._epoch
        source = self._zip.open(self.sheets[name])
        number = 0
        try:
            for _, row in etree.iterparse(source, tag=_ROW, **_SAFE):
                stated = row.get("r")
                at = int(stated) if stated else number + 1
                while number + 1 < at:
                    number += 1
                    yield []
                number = at
                cells: list[str] = []
                for cell in row:
                    ref = cell.get("r")
                    if ref:
                        column = column_index_from_string(ref.rstrip(_DIGITS)) - 1
                        if column > len(cells):
                            cells.extend([""] * (column - len(cells)))
                    value = ""
                    for part in cell:  # <v>, or <is> for inline text; <f> is skipped
                        tag = part.tag
                        if tag == _VALUE:
                            value = part.text or ""
                        elif tag == _INLINE:
                            value = _text_of(part)
                    kind = cell.get("t")
                    if not value or kind == "inlineStr" or kind == "str" or kind == "e":
                        cells.append(value.strip())
                    elif kind == "s":
                        cells.append(strings[int(value)].strip())
                    elif kind is None or kind == "n":
                        style = cell.get("s")
                        if style is not None and int(style) in dates:
                            cells.append(_date_text(value, int(style) in durations, epoch))
                        else:
                            cells.append(_number_text(value))
                    elif kind == "b":
                        cells.append("true" if value == "1" else "false")
                    else:  # "d": ISO 8601 text
                        cells.append(_iso_text(value))
                row.clear()
                # Rows already read go, so memory stays flat over the sheet.
                while row.getprevious() is not None:
                    del row.getparent()[0]
                yield cells
        except (etree.XMLSyntaxError, IndexError, ValueError) as error:
            raise WorkbookError(
                f"Row {number + 1} of the workbook cannot be read ({error})."
            ) from None
        finally:
            source.close()

    def close(self) -> None:
        self._zip.close()


def _number_text(value: str) -> str:
    """A number cell as text: a whole number as its digits (``7001``, also when
    stored as ``7001.0``), any other number as Python writes it."""
    if value.isdigit():
        return value
    return cell_text(int(value) if value.lstrip("-").isdigit() else float(value))


def _date_text(value: str, is_duration: bool, epoch: dt.datetime) -> str:
    """A number cell styled as a date or time, as ISO text."""
    try:
        return cell_text(from_excel(float(value), epoch, timedelta=is_duration))
    except (OverflowError, ValueError):
        return value


def _iso_text(value: str) -> str:
    """A cell Excel stored as ISO 8601 text (type ``d``), as ``cell_text`` writes dates."""
    try:
        return cell_text(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return value.strip()


def cell_text(value: object) -> str:
    """A workbook cell's value as the text a CSV export would hold: a date and
    time as ISO text (``2026-03-31T14:05:00``), a whole number its digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()
