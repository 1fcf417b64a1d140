"""The JSON API for auditors: the audit log newest first with filters, and the chain's
verification status (security/audit_log.py decides who reads what)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from footprint.security.audit_log import (
    VERIFY_AGE_SECONDS,
    AuditFilter,
    ChainStatus,
    LogEntry,
    chain_status,
    read_log,
)
from footprint.web.answers import SerialisedRoute
from footprint.web.api import ERRORS, CallerDep, Limit, Offset
from footprint.web.callers import database

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=ERRORS, route_class=SerialisedRoute)
Text = Annotated[str | None, Query(max_length=80)]


@router.get("/audit", response_model=list[LogEntry])
def audit_log(
    request: Request,
    caller: CallerDep,
    actor: Text = None,
    action: Annotated[
        str | None, Query(max_length=40, description='exact, or a prefix ending in "."')
    ] = None,
    record_type: Text = None,
    record_id: Text = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> list[LogEntry]:
    """Audit entries newest first (a force auditor: those made by their force's people)."""
    wanted = AuditFilter(actor, action, record_type, record_id)
    return read_log(database(request), caller.actor, wanted, offset, limit)


@router.get("/audit/verification", response_model=ChainStatus)
def verification(request: Request, caller: CallerDep, fresh: bool = False) -> ChainStatus:
    """The whole chain checked (at most five minutes ago, or now if `fresh`): intact, or each
    problem named."""
    return chain_status(database(request), caller.actor, 0 if fresh else VERIFY_AGE_SECONDS)
