"""Rooms of a home, addressed by slug."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from sqlalchemy import select

from dampwatch_api.deps import ContextDep, HomeManage, HomeRead, SessionDep
from dampwatch_api.registry.models import Home, Room
from dampwatch_api.schemas import RoomIn, RoomOut, RoomPatch

router = APIRouter(prefix="/v1/homes/{home_id}/rooms", tags=["rooms"])
RoomIdPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]


def find_room(session: SessionDep, home: Home, room_id: str) -> Room:
    """The home's room, or 404."""
    room = session.scalar(select(Room).where(Room.home_pk == home.id, Room.room_id == room_id))
    if room is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"room {room_id!r} not found")
    return room


@router.get("", response_model=list[RoomOut])
def list_rooms(home: HomeRead, session: SessionDep) -> list[Room]:
    """The home's rooms."""
    return list(session.scalars(select(Room).where(Room.home_pk == home.id).order_by(Room.room_id)))


@router.post("", response_model=RoomOut, status_code=status.HTTP_201_CREATED)
def create_room(body: RoomIn, home: HomeManage, session: SessionDep) -> Room:
    """Add a room."""
    exists = select(Room.id).where(Room.home_pk == home.id, Room.room_id == body.room_id)
    if session.scalar(exists) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"room {body.room_id!r} already exists")
    room = Room(home_pk=home.id, room_id=body.room_id, name=body.name, kind=body.kind.value)
    session.add(room)
    session.commit()
    return room


@router.get("/{room_id}", response_model=RoomOut)
def get_room(room_id: RoomIdPath, home: HomeRead, session: SessionDep) -> Room:
    """One room."""
    return find_room(session, home, room_id)


@router.patch("/{room_id}", response_model=RoomOut)
def update_room(
    room_id: RoomIdPath, body: RoomPatch, home: HomeManage, session: SessionDep
) -> Room:
    """Rename a room or change its kind."""
    room = find_room(session, home, room_id)
    if body.name is not None:
        room.name = body.name
    if body.kind is not None:
        room.kind = body.kind.value
    session.commit()
    return room


@router.delete("/{room_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_room(
    room_id: RoomIdPath, home: HomeManage, session: SessionDep, context: ContextDep
) -> None:
    """Remove a room; its devices stay, without a room."""
    session.delete(find_room(session, home, room_id))
    session.commit()
    context.registry.publish_home(home.home_id)
