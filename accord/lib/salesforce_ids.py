"""Salesforce record ids: the 15-character form reports show and the
18-character form the API returns name the same record.

The 18-character form adds three characters that make the id unique without
regard to case (Salesforce's documented algorithm, "What are Salesforce IDs
composed of?"): the 15 characters are cut into three blocks of five; in each
block, bit *i* is set when character *i* is an upper-case letter A-Z; the
block's five bits index ``ABCDEFGHIJKLMNOPQRSTUVWXYZ012345``.
"""

from __future__ import annotations

import re

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")


def checksum(id15: str) -> str:
    """The three characters Salesforce adds to the 15-character ``id15``."""
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(id15[start : start + 5]) if "A" <= ch <= "Z")
        suffix += _ALPHABET[bits]
    return suffix


def id18(value: str) -> str:
    """The 18-character form of a Salesforce id written with 15 or 18 characters;
    anything else (not an id) is returned as it is.

    An 18-character value is normalised only when its last three characters are
    its checksum (in any case), so an 18-character value that is not a
    Salesforce id is never changed.
    """
    text = value.strip()
    if not _ID.match(text):
        return value
    if len(text) == 15:
        return text + checksum(text)
    expected = checksum(text[:15])
    return text[:15] + expected if text[15:].upper() == expected else value
