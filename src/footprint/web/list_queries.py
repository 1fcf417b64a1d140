"""What a list's query string may say, shared by the API and the pages: filters from fixed
choices (a value outside them is refused, naming the field) and an order ("risk", "-risk")."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from footprint.operations.cases import CaseFilter
from footprint.operations.package_list import PackageFilter

Sort = Annotated[
    str | None,
    Query(max_length=20, description="a column to sort by; a leading - reverses it"),
]


def case_filter(
    state: Annotated[str | None, Query(max_length=40, description="a case state")] = None,
    officer: Annotated[str | None, Query(max_length=80, description="officer in charge")] = None,
    force: Annotated[str | None, Query(max_length=16, description="a force's ONS code")] = None,
    band: Annotated[str | None, Query(max_length=16, description="the package's risk band")] = None,
    open: Annotated[bool, Query(description="only cases still under investigation")] = False,
) -> CaseFilter:
    return CaseFilter.checked(state, officer, force, band, open)


CaseQuery = Annotated[CaseFilter, Depends(case_filter)]


def package_filter(
    status: Annotated[
        str | None, Query(max_length=16, description="issued or acknowledged")
    ] = None,
    band: Annotated[str | None, Query(max_length=16, description="a risk band")] = None,
    due: Annotated[
        str | None, Query(max_length=16, description="awaiting (deadline to meet) or overdue")
    ] = None,
    force: Annotated[str | None, Query(max_length=16, description="a force's ONS code")] = None,
) -> PackageFilter:
    return PackageFilter.checked(status, band, due, force)


PackageQuery = Annotated[PackageFilter, Depends(package_filter)]
