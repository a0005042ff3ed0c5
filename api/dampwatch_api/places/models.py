"""SQL models of homes' places and stock facts (Alembic revision places0001)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dampwatch_api.db.base import Base, utc_now
from dampwatch_api.registry.models import Home

GSS_CODE_LENGTH = 9  # E01006515


class HomePlace(Base):
    """A home's census areas from its postcode, or why it has none; with its LSOA's deprivation."""

    __tablename__ = "home_places"

    home_pk: Mapped[int] = mapped_column(
        ForeignKey("homes.id", ondelete="CASCADE"), primary_key=True
    )
    postcode: Mapped[str] = mapped_column(String(16))  # normalised when well-formed
    oa: Mapped[str | None] = mapped_column(String(GSS_CODE_LENGTH))
    lsoa: Mapped[str | None] = mapped_column(String(GSS_CODE_LENGTH), index=True)
    msoa: Mapped[str | None] = mapped_column(String(GSS_CODE_LENGTH), index=True)
    lad: Mapped[str | None] = mapped_column(String(GSS_CODE_LENGTH), index=True)
    lad_name: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(String(200))  # the lookup file that matched
    unresolved_reason: Mapped[str | None] = mapped_column(String(100))
    imd_decile: Mapped[int | None] = mapped_column(default=None)
    living_environment_decile: Mapped[int | None] = mapped_column(default=None)
    placed_at: Mapped[datetime] = mapped_column(default=utc_now)

    home: Mapped[Home] = relationship()


class HomeStockFacts(Base):
    """What the landlord knows of a home's building; NULL is unknown."""

    __tablename__ = "stock_facts"

    home_pk: Mapped[int] = mapped_column(
        ForeignKey("homes.id", ondelete="CASCADE"), primary_key=True
    )
    energy_band: Mapped[str | None] = mapped_column(String(1))
    property_type: Mapped[str | None] = mapped_column(String(20))
    built_form: Mapped[str | None] = mapped_column(String(30))
    age_band: Mapped[str | None] = mapped_column(String(20))
    wall_type: Mapped[str | None] = mapped_column(String(30))
    main_heating: Mapped[str | None] = mapped_column(String(30))
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    imported_at: Mapped[datetime] = mapped_column(default=utc_now)
    imported_by: Mapped[str] = mapped_column(String(200))

    home: Mapped[Home] = relationship()
