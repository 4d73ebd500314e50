"""Who may open a console: each supervisor's SSH public keys (for a shared service account)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class SupervisorKey(SQLModel, table=True):
    __tablename__ = "supervisor_key"
    id: int | None = Field(default=None, primary_key=True)
    supervisor_id: str = Field(foreign_key="supervisor.id", index=True, max_length=100)
    public_key: str = Field(unique=True, max_length=2000)  # "ssh-ed25519 AAAA... comment"
