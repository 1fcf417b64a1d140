"""Category schemes met in data exchange, each mapped to the unified scheme.

VICS Default/US: 0 non-pertinent, 1 child abuse material, 2 child exploitive / age difficult,
3 CGI / animation, 4 comparison images, null uncategorised. Legacy DHS: CAT-0 uncategorised ...
CAT-5 non-pertinent. UK A/B/C: letters are taken as they are; the integer codes that a VICS UK
file uses are not public, so they come from configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from footprint.errors import RecordError
from footprint.hashsets.model import UnifiedCategory

U = UnifiedCategory


class Scheme(StrEnum):
    VICS = "vics"
    DHS = "dhs"
    UK = "uk"


# Grades 2 and 3 are not indecent images as such; they stay uncategorised for a human to grade.
VICS_CATEGORIES: dict[int, UnifiedCategory] = {
    0: U.NON_PERTINENT,
    1: U.INDECENT_UNCATEGORISED,
    2: U.UNCATEGORISED,
    3: U.UNCATEGORISED,
    4: U.NON_PERTINENT,
}
DHS_CATEGORIES: dict[int, UnifiedCategory] = {
    0: U.UNCATEGORISED,
    1: U.INDECENT_UNCATEGORISED,
    2: U.UNCATEGORISED,
    3: U.UNCATEGORISED,
    4: U.NON_PERTINENT,
    5: U.NON_PERTINENT,
}
_BY_NAME = {c.value.lower(): c for c in UnifiedCategory}


def parse_uk_codes(text: str) -> dict[int, UnifiedCategory]:
    """Parse "1=A,2=B,3=C,0=non-pertinent" (the FOOTPRINT_UK_CATEGORY_CODES setting)."""
    codes: dict[int, UnifiedCategory] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        code, _, name = part.partition("=")
        try:
            codes[int(code)] = _BY_NAME[name.strip().lower()]
        except (ValueError, KeyError) as exc:
            raise ValueError(
                f"UK category code {part!r}: expected CODE=CATEGORY with CATEGORY one of "
                f"{', '.join(_BY_NAME)}"
            ) from exc
    return codes


class CategoryMapper:
    """Maps a source category value to (source text, unified category)."""

    def __init__(self, scheme: Scheme, uk_codes: Mapping[int, UnifiedCategory] | None = None):
        self.scheme = scheme
        self.uk_codes = dict(uk_codes or {})

    def map(self, value: object) -> tuple[str | None, UnifiedCategory]:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None, U.UNCATEGORISED
        text = str(value).strip()
        named = _BY_NAME.get(text.lower())
        if named is not None:
            return text, named
        code = self._code(text)
        table = self._table()
        if code not in table:
            raise RecordError("Category", self._unknown_reason(code))
        return text, table[code]

    def _code(self, text: str) -> int:
        upper = text.upper()
        if upper.startswith("CAT-") or upper.startswith("CAT "):
            upper = upper[4:]
        try:
            return int(upper)
        except ValueError:
            raise RecordError("Category", f"unknown category {text!r}") from None

    def _table(self) -> Mapping[int, UnifiedCategory]:
        if self.scheme is Scheme.VICS:
            return VICS_CATEGORIES
        if self.scheme is Scheme.DHS:
            return DHS_CATEGORIES
        return self.uk_codes

    def _unknown_reason(self, code: int) -> str:
        if self.scheme is Scheme.UK and not self.uk_codes:
            return (
                f"UK integer category {code} but no UK codes are configured "
                "(set FOOTPRINT_UK_CATEGORY_CODES, e.g. 1=A,2=B,3=C)"
            )
        return f"category {code} is not defined in the {self.scheme} scheme"
