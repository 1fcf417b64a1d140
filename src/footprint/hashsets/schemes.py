"""Category schemes met in data exchange, each mapped to the unified scheme.

VICS Default/US: 0 non-pertinent, 1 child abuse material, 2 child exploitive / age difficult,
3 CGI / animation, 4 comparison images, null uncategorised. Legacy DHS: CAT-0 uncategorised ...
CAT-5 non-pertinent. NCMEC's industry scale (A1, A2, B1, B2: prepubescent or pubescent, sex act
or lascivious exhibition): indecent, not graded A/B/C. UK A/B/C: letters are taken as they are;
the integer codes that a VICS UK file uses are not public, so they come from configuration.

Real sets hold codes outside their scheme. Such a code never costs the record: it is kept as
the source category, graded by the deployment's mapping (FOOTPRINT_CATEGORY_CODES) or else
uncategorised, and the import report says how many records carried it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from footprint.hashsets.model import ImportReport, UnifiedCategory

U = UnifiedCategory


class Scheme(StrEnum):
    VICS = "vics"
    DHS = "dhs"
    UK = "uk"
    NCMEC = "ncmec"


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
NCMEC_CATEGORIES: dict[str, UnifiedCategory] = {
    code: U.INDECENT_UNCATEGORISED for code in ("A1", "A2", "B1", "B2")
}
_BY_NAME = {c.value.lower(): c for c in UnifiedCategory}
FOOTPRINT_SCHEME = "footprint"  # footprint's own category names, as in its exports


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


def parse_category_codes(text: str) -> dict[str, dict[str, UnifiedCategory]]:
    """Parse "vics:7=non-pertinent,ncmec:C1=uncategorised" (the FOOTPRINT_CATEGORY_CODES
    setting): codes a scheme does not define, mapped by this deployment. Codes are compared in
    upper case, as written ("7", "CAT-7", "C1")."""
    codes: dict[str, dict[str, UnifiedCategory]] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        scheme, _, rest = part.partition(":")
        code, _, name = rest.partition("=")
        if scheme.strip().lower() not in set(Scheme) or not code.strip():
            raise ValueError(
                f"category code {part!r}: expected SCHEME:CODE=CATEGORY with SCHEME one of "
                f"{', '.join(Scheme)}"
            )
        if name.strip().lower() not in _BY_NAME:
            raise ValueError(
                f"category code {part!r}: CATEGORY must be one of {', '.join(_BY_NAME)}"
            )
        table = codes.setdefault(scheme.strip().lower(), {})
        table[code.strip().upper()] = _BY_NAME[name.strip().lower()]
    return codes


MAPPED_VALUES_KEPT = 10_000


class CategoryMapper:
    """Maps a source category value to (source text, unified category). A code the scheme does
    not define maps through `extra_codes`, or else to uncategorised; `unknown` counts them for
    the import report (`report_unknown`)."""

    def __init__(
        self,
        scheme: Scheme,
        uk_codes: Mapping[int, UnifiedCategory] | None = None,
        extra_codes: Mapping[str, UnifiedCategory] | None = None,
    ):
        self.scheme = scheme
        self.uk_codes = dict(uk_codes or {})
        self.extra_codes = {k.upper(): v for k, v in (extra_codes or {}).items()}
        self.unknown: Counter[str] = Counter()
        # A set holds millions of records and a handful of category values: each value is
        # worked out once (at most MAPPED_VALUES_KEPT of them, against a file of odd values).
        self._mapped: dict[tuple[type, object], tuple[str | None, UnifiedCategory, bool]] = {}

    def map(self, value: object) -> tuple[str | None, UnifiedCategory]:
        kept = isinstance(value, (str, int))
        key = (type(value), value)  # 1, "1" and True say different things
        found = self._mapped.get(key) if kept else None
        if found is None:
            found = self._map(value)
            if kept and len(self._mapped) < MAPPED_VALUES_KEPT:
                self._mapped[key] = found
        text, category, undefined = found
        if undefined:
            self.unknown[str(text)] += 1
        return text, category

    def _map(self, value: object) -> tuple[str | None, UnifiedCategory, bool]:
        """(source text, unified category, whether the scheme leaves the text undefined)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None, U.UNCATEGORISED, False
        text = str(value).strip()
        named = _BY_NAME.get(text.lower())
        if named is not None:
            return text, named, False
        found = self._defined(text)
        if found is not None:
            return text, found, False
        configured = self.extra_codes.get(text.upper())
        if configured is not None:
            return text, configured, False
        return text, U.UNCATEGORISED, True

    def _defined(self, text: str) -> UnifiedCategory | None:
        if self.scheme is Scheme.NCMEC:
            return NCMEC_CATEGORIES.get(text.upper())
        code = _code(text)
        return None if code is None else self._table().get(code)

    def _table(self) -> Mapping[int, UnifiedCategory]:
        if self.scheme is Scheme.VICS:
            return VICS_CATEGORIES
        if self.scheme is Scheme.DHS:
            return DHS_CATEGORIES
        return self.uk_codes

    def report_unknown(self, report: ImportReport) -> None:
        """One warning per code outside the scheme, with how many records carried it."""
        for text, count in sorted(self.unknown.items()):
            report.warn(0, "Category", self._unknown_reason(text, count))

    def _unknown_reason(self, text: str, count: int) -> str:
        records = "record" if count == 1 else "records"
        kept = (
            f"category {text!r} is not defined in the {self.scheme} scheme: {count} {records} "
            f"kept with it as their source category and graded uncategorised"
        )
        if self.scheme is Scheme.UK and not self.uk_codes and _code(text) is not None:
            hint = "no UK codes are configured: set FOOTPRINT_UK_CATEGORY_CODES, e.g. 1=A,2=B,3=C"
            return f"{kept} ({hint})"
        return f"{kept} (map it with FOOTPRINT_CATEGORY_CODES, e.g. {self.scheme}:{text.upper()}=C)"


def _code(text: str) -> int | None:
    """The integer in "3", "CAT-3" or "CAT 3"; None for anything else."""
    upper = text.upper()
    if upper.startswith(("CAT-", "CAT ")):
        upper = upper[4:]
    try:
        return int(upper)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class ExportScheme:
    """How an export writes categories: footprint's own names (A, B, C ...), or the deployment's
    VICS UK codes (`uk_category_codes`), as a UK review tool reads them."""

    name: str  # the records' source scheme
    codes: dict[UnifiedCategory, int]

    @classmethod
    def of(cls, uk_codes: Mapping[int, UnifiedCategory] | None) -> ExportScheme:
        if not uk_codes:
            return cls(FOOTPRINT_SCHEME, {})
        codes: dict[UnifiedCategory, int] = {}
        for code, category in sorted(uk_codes.items()):
            codes.setdefault(category, code)  # the lowest code of a category, if it has several
        return cls(str(Scheme.UK), codes)

    def source_category(self, category: UnifiedCategory | None) -> str | None:
        """The category as written; under the UK codes, null where it has no code."""
        if category is None:
            return None
        if self.name == FOOTPRINT_SCHEME:
            return str(category)
        code = self.codes.get(category)
        return None if code is None else str(code)
