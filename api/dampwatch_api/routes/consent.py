"""Tenancies and consent: tenants give or withdraw consent; every change is kept in a history."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from dampwatch_api.deps import ContextDep, HomeConsent, HomeManage, SessionDep, SignedIn
from dampwatch_api.registry.models import ConsentEvent, ConsentPurpose, Role, Tenant, User
from dampwatch_api.registry.publish import home_consents
from dampwatch_api.registry.statistics import home_counted
from dampwatch_api.schemas import (
    ConsentEventOut,
    ConsentIn,
    ConsentOut,
    TenantConsentOut,
    TenantIn,
    TenantOut,
)

router = APIRouter(prefix="/v1/homes/{home_id}", tags=["consent"])


def _record(
    tenant: Tenant,
    granted: bool,
    version: str,
    by: str,
    purpose: ConsentPurpose = ConsentPurpose.MONITORING,
) -> None:
    now = datetime.now(UTC)
    if purpose is ConsentPurpose.STATISTICS:
        tenant.statistics = granted
    else:
        tenant.consent, tenant.consent_version, tenant.consent_at = granted, version, now
    tenant.consent_events.append(
        ConsentEvent(
            purpose=purpose, granted=granted, version=version, recorded_at=now, recorded_by=by
        )
    )


@router.get("/tenants", response_model=list[TenantOut])
def list_tenants(home: HomeManage, session: SessionDep) -> list[Tenant]:
    """The home's tenancies (staff only: names and contacts are personal data)."""
    return list(
        session.scalars(select(Tenant).where(Tenant.home_pk == home.id).order_by(Tenant.id))
    )


@router.post("/tenants", response_model=TenantOut, status_code=status.HTTP_201_CREATED)
def create_tenant(
    body: TenantIn, home: HomeManage, principal: SignedIn, session: SessionDep, context: ContextDep
) -> Tenant:
    """Start a tenancy, optionally linked to the tenant's sign-in."""
    user: User | None = None
    if body.username is not None:
        user = session.scalar(select(User).where(User.username == body.username))
        if user is None or user.role != Role.TENANT or user.home_pk != home.id:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"{body.username!r} is not a tenant user of this home",
            )
    tenant = Tenant(
        home_pk=home.id, name=body.name, email=body.email, user_pk=user.id if user else None
    )
    _record(tenant, body.consent, body.consent_version, principal.name)
    session.add(tenant)
    session.commit()
    context.registry.publish_home(home.home_id)
    return tenant


@router.get("/consent", response_model=ConsentOut)
def get_consent(home: HomeConsent, session: SessionDep) -> ConsentOut:
    """The home's consent and each tenancy's history."""
    session.refresh(home)
    return ConsentOut(
        home_id=home.home_id,
        consent=home_consents(home),
        statistics=home_counted(home),
        tenants=[
            TenantConsentOut(
                tenant_id=tenant.id,
                consent=tenant.consent,
                statistics=tenant.statistics,
                version=tenant.consent_version,
                history=[ConsentEventOut.model_validate(e) for e in tenant.consent_events],
            )
            for tenant in home.tenants
        ],
    )


@router.put("/consent", response_model=ConsentOut)
def set_consent(
    body: ConsentIn,
    home: HomeConsent,
    principal: SignedIn,
    session: SessionDep,
    context: ContextDep,
) -> ConsentOut:
    """Give or withdraw consent for a purpose: a tenant for their own tenancy, staff for a named
    one; a change of `statistics` counts from the next publication on."""
    query = select(Tenant).where(Tenant.home_pk == home.id)
    if principal.role is Role.TENANT:
        if principal.user_pk is None:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "consent is given by the tenant in person"
            )
        query = query.where(Tenant.user_pk == principal.user_pk)
    elif body.tenant_id is not None:
        query = query.where(Tenant.id == body.tenant_id)
    else:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "tenant_id is required")
    tenants = list(session.scalars(query))
    if not tenants:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such tenancy in this home")
    for tenant in tenants:
        _record(tenant, body.granted, body.version, principal.name, body.purpose)
    session.commit()
    context.registry.publish_home(home.home_id)
    return get_consent(home, session)
