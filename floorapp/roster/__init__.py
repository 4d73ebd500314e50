"""The roster: teams, agents, supervisors and the sensitive-customer list, from a centre's CSV.

A centre already keeps its roster in a spreadsheet; ``import_roster`` takes that sheet
saved as CSV (UTF-8, with or without BOM; English or Chinese headers) and upserts it.
Each bad row is reported with its spreadsheet row number and field and skipped; the good
rows are kept. Re-importing the same file changes nothing and duplicates nothing.
Columns are documented in docs/roster.md.

One module a job: ``csvfile`` reads and checks the sheet, ``importer`` writes it,
``sensitive`` makes the single changes, ``listing`` reads the roster back.
"""

from __future__ import annotations

from floorapp.roster.csvfile import (
    ROLE_AGENT,
    ROLES,
    AgentEntry,
    RosterFileError,
    RowError,
    SupervisorEntry,
    parse_row,
    read_sensitive_customers_csv,
)
from floorapp.roster.importer import RosterReport, import_roster
from floorapp.roster.listing import (
    RosterAgent,
    RosterAlias,
    list_agents,
    list_aliases,
    list_sensitive_customers,
)
from floorapp.roster.sensitive import (
    RosterError,
    add_sensitive_customers,
    designate,
    remove_sensitive_customer,
)

__all__ = [
    "ROLES",
    "ROLE_AGENT",
    "AgentEntry",
    "RosterAgent",
    "RosterAlias",
    "RosterError",
    "RosterFileError",
    "RosterReport",
    "RowError",
    "SupervisorEntry",
    "add_sensitive_customers",
    "designate",
    "import_roster",
    "list_agents",
    "list_aliases",
    "list_sensitive_customers",
    "parse_row",
    "read_sensitive_customers_csv",
    "remove_sensitive_customer",
]
