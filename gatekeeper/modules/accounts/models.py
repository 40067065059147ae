"""Users, their role and attachment (department, community, street, gate), API tokens, deputies."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gatekeeper.core.db import UTCDateTime, enum_column
from gatekeeper.extensions import db
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction


class Role(enum.StrEnum):
    OFFICER = "officer"  # 部门经办人
    SECRETARIAT = "secretariat"  # 委员会办公室
    MEMBER = "member"  # 委员
    CHAIR = "chair"  # 主任
    COMMUNITY_HEAD = "community_head"  # 社区书记/主任
    STREET_OFFICER = "street_officer"  # 街道
    ADMIN = "admin"


#: Roles that sit on a gate's committee or office and must name the gate.
GATE_ROLES = (Role.SECRETARIAT, Role.MEMBER, Role.CHAIR)
#: Roles that vote.
VOTING_ROLES = (Role.MEMBER, Role.CHAIR)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role != 'officer' OR department_id IS NOT NULL", name="officer_department"),
        sa.CheckConstraint(
            "role NOT IN ('secretariat', 'member', 'chair') OR gate_id IS NOT NULL", name="committee_gate"
        ),
        sa.CheckConstraint(
            "role NOT IN ('community_head', 'street_officer') OR jurisdiction_id IS NOT NULL",
            name="local_jurisdiction",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(60), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    role: Mapped[Role] = enum_column(Role, nullable=False, index=True)
    #: The department a user works for; committee members sit for their department, hence recusal.
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    #: The community of a community head, the street of a street officer.
    jurisdiction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jurisdictions.id"), index=True)
    #: The gate whose committee or office the user belongs to.
    gate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gates.id"), index=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    #: Bumped when a password changes or the user is disabled: older sessions stop working.
    session_version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)

    department: Mapped[Department | None] = relationship(lazy="joined")
    jurisdiction: Mapped[Jurisdiction | None] = relationship(lazy="joined")
    gate: Mapped[Gate | None] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: a session names the user and the session version
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class ApiToken(db.Model):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    label: Mapped[str] = mapped_column(sa.String(120), nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class LoginFailure(db.Model):
    """A failed log-in, counted to throttle password guessing across all worker processes."""

    __tablename__ = "login_failures"
    __table_args__ = (sa.Index("ix_login_failures_remote_addr_at", "remote_addr", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    remote_addr: Mapped[str] = mapped_column(sa.String(64), nullable=False, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class Deputy(db.Model):
    """A member or chair away (出差/休假) names a deputy who acts for them between two dates."""

    __tablename__ = "deputies"
    __table_args__ = (
        sa.CheckConstraint("principal_id != deputy_id", name="not_self"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    principal_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    deputy_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    starts_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    ends_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    reason: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)

    principal: Mapped[User] = relationship(foreign_keys=[principal_id], lazy="joined")
    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id], lazy="joined")


class SessionEnd(enum.StrEnum):
    LOGOUT = "logout"
    PASSWORD = "password"  # the password changed (by the user or the admin)
    DISABLED = "disabled"  # the admin disabled the user
    EXPIRED = "expired"


class UserSession(db.Model):
    """A browser log-in. The cookie holds a random id; only its SHA-256 is stored here.

    A session ends at log-out, at a password change and when the user is disabled: from then on a
    replayed cookie names an ended row and is refused. It also ends by itself after
    ``SESSION_MAX_HOURS``; idleness (``SESSION_IDLE_MINUTES``) is checked from the signed cookie.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[SessionEnd | None] = enum_column(SessionEnd)
    remote_addr: Mapped[str] = mapped_column(sa.String(64), nullable=False, default="")
    user_agent: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")

    user: Mapped[User] = relationship(lazy="joined")
