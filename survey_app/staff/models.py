"""Staff accounts and their server-side sessions."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..columns import UTCDateTime, utcnow
from ..extensions import Model

# What each role is for; the order is the order they are shown in.
ROLES = ("caseworker", "analyst", "data_owner", "admin")


def normalise_email(email: str) -> str:
    return email.strip().lower()


class User(Model):
    """A member of the partnership's staff who signs in at /staff."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Always stored lower-case, so that one address cannot have two accounts.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    # An argon2id hash in PHC string form ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # A comma list of ROLES, sorted: "analyst,caseworker".
    roles_text: Mapped[str] = mapped_column("roles", sa.String(100), default="")
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    sessions: Mapped[list[StaffSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @validates("email")
    def _lower_case_email(self, _key: str, email: str) -> str:
        return normalise_email(email)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(role for role in self.roles_text.split(",") if role)

    @roles.setter
    def roles(self, roles: set[str] | frozenset[str] | list[str] | tuple[str, ...]) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
        self.roles_text = ",".join(sorted(set(roles)))

    def has_any_role(self, roles: frozenset[str] | set[str]) -> bool:
        return bool(self.roles & set(roles))

    def __repr__(self) -> str:
        return f"<User {self.id} {sorted(self.roles)}>"


class StaffSession(Model):
    """A signed-in staff member. The browser holds a random id; only its SHA-256 is stored."""

    __tablename__ = "staff_session"

    id_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Where it was signed in from, for an administrator looking into misuse.
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))

    user: Mapped[User] = relationship(back_populates="sessions")
