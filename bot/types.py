"""Column types shared by the models: string enums and short aliases."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


def str_enum(enum: type[StrEnum], length: int = 24) -> Enum:
    """A StrEnum stored as a plain string, so a new member needs no ALTER TYPE."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
