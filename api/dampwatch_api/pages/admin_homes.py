"""Admin pages for homes: the list, a new home, its facts, rooms, sensors and tenant invitations.

Every change goes through the API's own route functions and so through its guards' policy.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, or_, select

from dampwatch_api.deps import ContextDep, HomeIdPath, SessionDep
from dampwatch_api.pages.access import home_for
from dampwatch_api.pages.admin_common import (
    Refused,
    admin_principal,
    link_page,
    staff_principal,
    through_api,
)
from dampwatch_api.pages.render import page, redirect
from dampwatch_api.pages.session import check_csrf
from dampwatch_api.places import routes as places
from dampwatch_api.policy import Action, allowed, visible_homes
from dampwatch_api.registry.models import Device, Home, Room, RoomKind
from dampwatch_api.routes import consent, devices, homes, links, rooms
from dampwatch_api.schemas import DeviceIn, DevicePatch, HomeIn, HomePatch, RoomIn, RoomPatch

router = APIRouter(prefix="/admin", include_in_schema=False)
PAGE_SIZE: Final = 50
Field = Annotated[str, Form(max_length=500)]
CsrfField = Annotated[str | None, Form()]
NOTICES: Final = {
    "home-created": "The home is registered.",
    "home-saved": "The home's facts are saved.",
    "room-added": "The room is added.",
    "room-saved": "The room is saved.",
    "room-deleted": "The room is deleted; its sensors stay, without a room.",
    "sensor-moved": "The sensor is moved.",
    "sensor-removed": "The sensor is removed; its readings stay.",
}


@router.get("")
def admin_start() -> Response:
    """The admin pages start with the homes."""
    return redirect("/admin/homes")


@router.get("/homes")
def homes_list(
    *,
    request: Request,
    session: SessionDep,
    context: ContextDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    """The homes the caller may see, searchable, with their rooms and sensors counted."""
    principal = staff_principal(request, context)
    query = select(Home).where(visible_homes(principal))
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(
            or_(
                Home.address.ilike(pattern),
                Home.postcode.ilike(pattern),
                Home.home_id.ilike(pattern),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = list(
        session.scalars(
            query.order_by(Home.address).offset((page_number - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        )
    )
    values = {
        "homes": found,
        "total": total,
        "q": q or "",
        "page_number": page_number,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "can_create": allowed(principal, None, None, Action.ADMINISTER),
    }
    return page(request, context, "admin_homes.html", values, principal=principal)


@router.post("/homes")
def home_create(
    *,
    request: Request,
    session: SessionDep,
    context: ContextDep,
    home_id: Field,
    address: Field,
    postcode: Field,
    portfolio: Field,
    patch: Field = "",
    csrf_token: CsrfField = None,
) -> Response:
    """Register a home (administrators)."""
    check_csrf(request, context, csrf_token)
    principal = admin_principal(request, context)
    try:
        body = through_api(
            HomeIn,
            home_id=home_id.strip(),
            address=address,
            postcode=postcode,
            portfolio=portfolio,
            patch=patch or None,
        )
        through_api(homes.create_home, body, principal, session, context)
    except Refused as error:
        form = {"home_id": home_id, "address": address, "postcode": postcode}
        form |= {"portfolio": portfolio, "patch": patch}
        values = {"homes": [], "total": 0, "q": "", "page_number": 1, "pages": 1}
        values |= {"can_create": True, "error": str(error), "form": form}
        return page(
            request, context, "admin_homes.html", values, principal=principal, status_code=422
        )
    return redirect(f"/admin/homes/{body.home_id}?notice=home-created")


def _home_values(session: SessionDep, home: Home) -> dict[str, Any]:
    room_rows = list(
        session.scalars(select(Room).where(Room.home_pk == home.id).order_by(Room.name))
    )
    sensors = list(
        session.scalars(
            select(Device)
            .where(Device.home_pk == home.id, Device.removed_at.is_(None))
            .order_by(Device.device_id)
        )
    )
    return {
        "home": home,
        "rooms": room_rows,
        "sensors": sensors,
        "tenants": consent.list_tenants(home, session),
        "room_kinds": [kind.value for kind in RoomKind],
        "place": places.place_or_none(home, session),
        "stock": places.stock_facts_or_none(home, session),
    }


@router.get("/homes/{home_id}")
def home_admin(
    *,
    request: Request,
    home_id: HomeIdPath,
    session: SessionDep,
    context: ContextDep,
    notice: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """A home's facts, rooms, sensors and tenants, with the forms that change them."""
    principal, home = home_for(request, session, context, home_id, Action.MANAGE)
    values = _home_values(session, home) | {"notice": NOTICES.get(notice or "")}
    return page(request, context, "admin_home.html", values, principal=principal)


def _change(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    home_id: str,
    apply: Any,
    *,
    notice: str,
) -> Response:
    """Apply one change to the home through the API; show the page again with the outcome."""
    principal, home = home_for(request, session, context, home_id, Action.MANAGE)
    try:
        result = apply(principal, home)
    except Refused as error:
        session.rollback()
        values = _home_values(session, home) | {"error": str(error)}
        return page(
            request, context, "admin_home.html", values, principal=principal, status_code=422
        )
    if isinstance(result, Response):
        return result
    return redirect(f"/admin/homes/{home_id}?notice={notice}")


@router.post("/homes/{home_id}")
def home_save(
    *,
    request: Request,
    home_id: HomeIdPath,
    session: SessionDep,
    context: ContextDep,
    address: Field,
    postcode: Field,
    portfolio: Field,
    patch: Field = "",
    landlord_ref: Field = "",
    vulnerabilities: Annotated[list[str] | None, Form(max_length=10)] = None,
    csrf_token: CsrfField = None,
) -> Response:
    """Change a home's facts (an officer only between their own portfolios)."""
    check_csrf(request, context, csrf_token)

    def apply(principal: Any, home: Home) -> None:
        body = through_api(
            HomePatch,
            address=address,
            postcode=postcode,
            portfolio=portfolio,
            patch=patch or None,
            landlord_ref=landlord_ref or None,
            vulnerabilities=vulnerabilities or [],
        )
        through_api(homes.update_home, body, home, principal, session, context)

    return _change(request, session, context, home_id, apply, notice="home-saved")


@router.post("/homes/{home_id}/rooms")
def room_add(
    *,
    request: Request,
    home_id: HomeIdPath,
    session: SessionDep,
    context: ContextDep,
    name: Field,
    kind: Field,
    room_id: Field = "",
    csrf_token: CsrfField = None,
) -> Response:
    """Add a room; its id is made from its name unless given."""
    check_csrf(request, context, csrf_token)
    slug = room_id.strip() or "-".join(
        "".join(c if c.isalnum() else " " for c in name.lower()).split()
    )

    def apply(principal: Any, home: Home) -> None:
        body = through_api(RoomIn, room_id=slug[:64], name=name, kind=kind)
        through_api(rooms.create_room, body, home, session)

    return _change(request, session, context, home_id, apply, notice="room-added")


@router.post("/homes/{home_id}/rooms/{room_id}")
def room_save(
    *,
    request: Request,
    home_id: HomeIdPath,
    room_id: rooms.RoomIdPath,
    session: SessionDep,
    context: ContextDep,
    name: Field,
    kind: Field,
    csrf_token: CsrfField = None,
) -> Response:
    """Rename a room or change its kind."""
    check_csrf(request, context, csrf_token)

    def apply(principal: Any, home: Home) -> None:
        body = through_api(RoomPatch, name=name, kind=kind)
        through_api(rooms.update_room, room_id, body, home, session)

    return _change(request, session, context, home_id, apply, notice="room-saved")


@router.post("/homes/{home_id}/rooms/{room_id}/delete")
def room_delete(
    *,
    request: Request,
    home_id: HomeIdPath,
    room_id: rooms.RoomIdPath,
    session: SessionDep,
    context: ContextDep,
    csrf_token: CsrfField = None,
) -> Response:
    """Delete a room (its sensors stay in the home, without a room)."""
    check_csrf(request, context, csrf_token)

    def apply(principal: Any, home: Home) -> None:
        through_api(rooms.delete_room, room_id, home, session, context)

    return _change(request, session, context, home_id, apply, notice="room-deleted")


@router.post("/homes/{home_id}/sensors")
def sensor_add(
    *,
    request: Request,
    home_id: HomeIdPath,
    session: SessionDep,
    context: ContextDep,
    device_id: Field,
    room_id: Field = "",
    device_type: Field = "sensor",
    csrf_token: CsrfField = None,
) -> Response:
    """Install a sensor by its id (scanned or typed); its broker password is shown once."""
    check_csrf(request, context, csrf_token)

    def apply(principal: Any, home: Home) -> Response:
        body = through_api(
            DeviceIn,
            device_id=device_id.strip(),
            device_type=device_type or "sensor",
            room_id=room_id or None,
        )
        created = through_api(devices.create_device, body, home, session, context)
        values = {"home": home, "device": created}
        return page(request, context, "device_made.html", values, principal=principal)

    return _change(request, session, context, home_id, apply, notice="")


@router.post("/homes/{home_id}/sensors/{device_id}")
def sensor_move(
    *,
    request: Request,
    home_id: HomeIdPath,
    device_id: devices.DeviceIdPath,
    session: SessionDep,
    context: ContextDep,
    room_id: Field = "",
    csrf_token: CsrfField = None,
) -> Response:
    """Move a sensor to another room (or out of any)."""
    check_csrf(request, context, csrf_token)

    def apply(principal: Any, home: Home) -> None:
        body = through_api(DevicePatch, room_id=room_id or None)
        through_api(devices.update_device, device_id, body, home, session, context)

    return _change(request, session, context, home_id, apply, notice="sensor-moved")


@router.post("/homes/{home_id}/sensors/{device_id}/remove")
def sensor_remove(
    *,
    request: Request,
    home_id: HomeIdPath,
    device_id: devices.DeviceIdPath,
    session: SessionDep,
    context: ContextDep,
    csrf_token: CsrfField = None,
) -> Response:
    """Remove a sensor: its broker access ends, its history stays."""
    check_csrf(request, context, csrf_token)

    def apply(principal: Any, home: Home) -> None:
        through_api(devices.remove_device, device_id, home, session, context)

    return _change(request, session, context, home_id, apply, notice="sensor-removed")


@router.post("/homes/{home_id}/invitations")
def tenant_invite(
    *,
    request: Request,
    home_id: HomeIdPath,
    session: SessionDep,
    context: ContextDep,
    name: Field,
    email: Field = "",
    csrf_token: CsrfField = None,
) -> Response:
    """A one-time sign-up link for the home's tenant, shown once to pass on."""
    check_csrf(request, context, csrf_token)

    def apply(principal: Any, home: Home) -> Response:
        body = through_api(links.InvitationIn, name=name, email=email.strip() or None)
        made = through_api(links.invite_tenant, body, home, principal, session)
        back = f"/admin/homes/{home.home_id}"
        return link_page(request, context, principal, made, who=name, back=back)

    return _change(request, session, context, home_id, apply, notice="")
