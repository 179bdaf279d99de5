"""CSV files in and out: the one reader every importer uses and the one
writer every export uses.

Bytes go in, exactly as uploaded; what the spreadsheet or CRM wrote is found
out here, once for every importer:

* Encoding: UTF-8 with or without a byte-order mark, UTF-16 (Excel's
  "Unicode text", with its BOM, or without one when every other byte is
  zero), else Windows-1252 (Excel's "CSV" on a western Windows).
* Delimiter: comma, semicolon (Excel where the decimal point is a comma) or
  tab, whichever the header line uses most outside quotes.
* Header names: trimmed, lower-case, inner runs of spaces made one.
* Rows: numbered as the spreadsheet numbers them (the header is row 1; a
  quoted cell spanning lines is still one row); blank rows are skipped.
* Strict: bytes that are not valid in the detected encoding, a quote never
  closed and a row with more or fewer fields than the header are refused
  with the row's number, never read as replacement characters or as rows
  run together into one cell.

Problems with the file as a whole raise ``CsvFileError`` with a message for
the user; what a row means is for each importer to check.

Writing (``csv_lines``, ``csv_response``): every text cell, header included,
that a spreadsheet would read as a formula (it starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is written with a single quote in
front, as OWASP advises against CSV injection. Numbers Accord computes (int,
float, Decimal) are written as they are: ``-12`` is a number, not a formula.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import StreamingHttpResponse

# The largest cell (1 MiB) and the widest header a file may have: a page shows
# every column of a file (the mapping screen offers a choice for each), so work
# per request grows with the width. Exports from HubSpot or Salesforce with
# every property stay within it. Documented in docs/user-guide.md.
MAX_CELL_BYTES = 1024 * 1024
MAX_COLUMNS = 500
csv.field_size_limit(MAX_CELL_BYTES)

DELIMITERS = (",", ";", "\t")
# Enough to see the header line and judge the encoding.
SAMPLE_BYTES = 64 * 1024
_QUOTED = re.compile(r'"(?:[^"]|"")*"')
_SPACES = re.compile(r"\s+")


class CsvFileError(ValueError):
    """The file cannot be read as CSV at all (empty, binary, broken quoting);
    ``row`` is the file row where reading stopped (1: the header)."""

    def __init__(self, message: str, *, row: int = 1) -> None:
        super().__init__(message)
        self.row = row


def detect_encoding(sample: bytes) -> str:
    """The encoding of a file whose first bytes are ``sample``."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    pairs = sample[: len(sample) - len(sample) % 2]
    if pairs and b"\x00" in pairs:
        # UTF-16 without a BOM: ASCII text has a zero in every other byte.
        if pairs[1::2].count(0) * 2 > len(pairs) // 2:
            return "utf-16-le"
        if pairs[0::2].count(0) * 2 > len(pairs) // 2:
            return "utf-16-be"
        raise CsvFileError("This is not a CSV file: it contains binary data.")
    try:
        # A multi-byte character may be cut at the end of a full sample.
        (sample[:-4] if len(sample) >= SAMPLE_BYTES else sample).decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def sniff_delimiter(header_line: str) -> str:
    """Comma, semicolon or tab: whichever the header line uses most outside quotes
    (a comma when it uses none, for a one-column file)."""
    bare = _QUOTED.sub("", header_line)
    return max(DELIMITERS, key=bare.count)


def normalise_header(name: str) -> str:
    """A column name as importers compare it: trimmed, lower-case, one space."""
    return _SPACES.sub(" ", name.replace("\ufeff", "").strip()).lower()


ENCODINGS_READ = "UTF-8 (with or without BOM), UTF-16 or Windows-1252 (Latin-1)"


class UnreadableText(csv.Error):
    """A line holds bytes the file's encoding cannot decode; a ``csv.Error`` so
    that every reader loop refuses it as the row it was reading."""


class _DecodedLines:
    """The file's lines decoded one at a time, so a byte that cannot be read
    is refused on its own row (UTF-16 is decoded by ``TextIOWrapper``).

    An iterator object, not a generator: a generator that raises is over,
    and every row after the unreadable one would be lost without a word.
    This one raises ``UnreadableText`` for that line and goes on with the next.
    """

    def __init__(self, buffered: Iterable[bytes], encoding: str) -> None:
        self.lines = iter(buffered)
        self.encoding = encoding
        self.name = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1252": "Windows-1252"}[encoding]

    def __iter__(self) -> _DecodedLines:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        try:
            text = line.decode(self.encoding)
        except UnicodeDecodeError as error:
            byte = line[error.start]
            raise UnreadableText(
                f"byte 0x{byte:02x} cannot be read as {self.name}; Accord reads "
                f'{ENCODINGS_READ}: save the file as "CSV UTF-8"'
            ) from None
        finally:
            # Only the first line may start with the byte-order mark.
            self.encoding = self.encoding.replace("-sig", "")
        return text


_SURROGATE = re.compile("[\ud800-\udfff]")


class _Utf16Lines:
    """A UTF-16 file's lines (decoded by ``TextIOWrapper``), with the same
    promise as ``_DecodedLines``: a line holding a half of a character pair
    (a lone surrogate) raises ``UnreadableText`` and the lines after it are
    still read; an odd byte at the very end is refused as the last line."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self.text = text
        self.done = False

    def __iter__(self) -> _Utf16Lines:
        return self

    def __next__(self) -> str:
        if self.done:
            raise StopIteration
        try:
            line = self.text.readline()
        except UnicodeDecodeError:
            self.done = True
            raise UnreadableText(
                "the file ends in the middle of a character; Accord reads "
                f'{ENCODINGS_READ}: save the file as "CSV UTF-8"'
            ) from None
        if not line:
            raise StopIteration
        if _SURROGATE.search(line):
            raise UnreadableText(
                "it holds half of a UTF-16 character pair; Accord reads "
                f'{ENCODINGS_READ}: save the file as "CSV UTF-8"'
            )
        return line


def open_text(raw: io.RawIOBase | io.BytesIO) -> tuple[Iterator[str], str]:
    """A binary stream as decoded lines ready for ``csv.reader``, and its delimiter.

    Streams: only the first ``SAMPLE_BYTES`` are looked at ahead of reading,
    so a file of any size is read in flat memory. Bytes that are not valid in
    the detected encoding raise ``UnreadableText`` (a ``csv.Error``) when
    their line is read: no replacement characters, no guessed text.
    """
    # BytesIO has the readinto a raw stream needs.
    buffered = io.BufferedReader(raw, buffer_size=1 << 20)
    sample = buffered.peek(SAMPLE_BYTES)[:SAMPLE_BYTES]
    if not sample.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise CsvFileError("The file is empty; the first row names the columns.")
    encoding = detect_encoding(sample)
    text: Iterator[str] = (
        # surrogatepass: a lone surrogate reaches _Utf16Lines, which refuses its line.
        _Utf16Lines(
            io.TextIOWrapper(buffered, encoding=encoding, newline="", errors="surrogatepass")
        )
        if encoding.startswith("utf-16")
        else _DecodedLines(buffered, encoding)
    )
    head = sample.decode(encoding, errors="replace")
    delimiter = sniff_delimiter(head.lstrip("\ufeff").splitlines()[0] if head.strip() else "")
    return text, delimiter


@dataclass(frozen=True)
class CsvRow:
    """One data row: its number in the file (header = 1), cells by header name,
    and the cells as they came (for columns an importer does not name)."""

    number: int
    values: dict[str, str]
    cells: tuple[str, ...] = field(default=())

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class CsvTable:
    """A file's header (normalised) and an iterator over its data rows."""

    header: list[str]
    rows: Iterator[CsvRow]
    delimiter: str


def check_header_width(header: list[str]) -> None:
    """Raise ``CsvFileError`` for a header wider than ``MAX_COLUMNS``."""
    if len(header) > MAX_COLUMNS:
        raise CsvFileError(
            f"Row 1: the file has {len(header)} columns; Accord reads at most "
            f"{MAX_COLUMNS}. Export only the columns you import."
        )


def row_width_error(cells: list[str], width: int, delimiter: str = "") -> str | None:
    """Why a row with ``cells`` does not fit a header of ``width`` columns, or
    None. Empty cells past the header's end (a trailing separator) fit.

    With the file's ``delimiter`` (CSV only), a row of the right width whose
    quoted cell spans lines is refused too when one of those lines holds a
    whole row's separators (``width - 1`` or more, in a file of three or more
    columns): rows run into one cell by a quote left open, which would
    otherwise be stored as one value without a word.
    """
    quoted = "; a quote may be left open" if any("\n" in cell for cell in cells) else ""
    if len(cells) == width or (len(cells) > width and not any(cells[width:])):
        if quoted and delimiter and width >= 3:
            for cell in cells:
                lines = cell.splitlines()[1:]
                if any(line.count(delimiter) >= width - 1 for line in lines):
                    return "a quoted cell holds whole rows of the file; a quote may be left open."
        return None
    return f"has {len(cells)} fields where the header has {width}{quoted}."


def _rows(
    reader: Iterator[list[str]], header: list[str], line: int, delimiter: str
) -> Iterator[CsvRow]:
    number = line
    try:
        for cells in reader:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue
            wrong = row_width_error(cells, len(header), delimiter)
            if wrong:
                raise CsvFileError(f"Row {number}: {wrong}", row=number)
            stripped = tuple(cell.strip() for cell in cells)
            values = {
                name: (stripped[i] if i < len(stripped) else "")
                for i, name in enumerate(header)
                if name
            }
            yield CsvRow(number, values, stripped)
    except UnreadableText as error:
        raise CsvFileError(f"Row {number + 1}: {error}.", row=number + 1) from None
    except csv.Error as error:
        raise CsvFileError(
            f"Row {number + 1}: not valid CSV ({csv_error(error)}).", row=number + 1
        ) from None


def csv_error(error: csv.Error) -> str:
    """What ``csv`` found wrong, in the user's words."""
    # The csv module says "unexpected end of data" for a quote never closed.
    text = str(error)
    return "a quote opened on this row is never closed" if "end of data" in text else text


def read_csv(data: bytes) -> CsvTable:
    """Read an uploaded CSV file (see the module notes for what is detected).

    Raises ``CsvFileError`` for an empty or binary file or a broken header;
    iterating the rows raises it for broken quoting, naming the row.
    """
    text, delimiter = open_text(io.BytesIO(data))
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    try:
        header = [normalise_header(h) for h in next(reader)]
    except StopIteration:
        raise CsvFileError("The file is empty; the first row names the columns.") from None
    except UnreadableText as error:
        raise CsvFileError(f"Row 1: {error}.") from None
    except csv.Error as error:
        raise CsvFileError(f"Row 1: not valid CSV ({csv_error(error)}).") from None
    if not any(header):
        raise CsvFileError("Row 1: the first row names the columns; it is empty.")
    check_header_width(header)
    return CsvTable(header=header, rows=_rows(reader, header, 1, delimiter), delimiter=delimiter)


def require_columns(table: CsvTable, *columns: str) -> None:
    """Raise ``CsvFileError`` naming the columns the header lacks."""
    missing = [c for c in columns if c not in table.header]
    if missing:
        found = ", ".join(h for h in table.header if h) or "none"
        raise CsvFileError(f"Row 1: missing column(s) {', '.join(missing)}; found {found}.")


# What a spreadsheet reads as the start of a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A cell's text as exported: text a spreadsheet would run as a formula
    gets a single quote in front; numbers (not text) and None (empty) pass."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """A file-like object whose ``write`` hands back the line written."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The CSV text of ``rows`` (the header is the first), one line at a time,
    every cell neutralised (see ``neutralise``)."""
    writer = csv.writer(_Line())
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


def csv_response(rows: Iterable[Iterable[object]], *, filename: str) -> StreamingHttpResponse:
    """An export download: ``rows`` streamed as UTF-8 CSV through ``csv_lines``."""
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
