"""Plain input data for the pre-check rules.

Everything a rule may look at is here, as frozen dataclasses built from the database by one function
(``gatekeeper.modules.requests.precheck.build_context``). Nothing in this package imports Flask,
SQLAlchemy or the feature modules, so the rules run the same in a web request, a CLI batch or a test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

KINDS = ("duty", "sign", "ledger", "appraisal", "certificate", "mechanism", "system")
ROLES = ("perform", "assist")
STANDINGS = ("permitted", "banned")
#: Funding bases of a request. ``lump_sum`` is a total for the whole validity period.
FUNDING_BASES = ("none", "per_100_households", "per_community", "lump_sum")
#: Funding standards of a catalogue entry: an amount per year.
STANDARD_BASES = ("none", "per_100_households", "per_community")


@dataclass(frozen=True)
class Entry:
    """One catalogue entry of the published version the request is checked against."""

    code: str
    title: str
    kind: str
    standing: str
    role: str | None = None
    legal_basis: str = ""
    funding_basis: str = "none"
    #: Yearly amount in fen for the basis (per 100 households per year, or per community per year).
    funding_amount_fen: int = 0
    requires_premises: bool = False
    requires_staff: bool = False


@dataclass(frozen=True)
class Catalogue:
    """The published catalogue version a check runs against."""

    version_id: int | None
    label: str
    entries: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Load:
    """What is already active in a community (authorisations in force today)."""

    signs: int = 0
    ledgers: int = 0
    reports_per_year: int = 0


@dataclass(frozen=True)
class Community:
    """A community the request would reach (always inside the gate's jurisdiction)."""

    code: str
    name: str
    type: str  # "urban" | "rural"
    households: int
    area_m2: int | None = None
    office_area_m2: int | None = None
    load: Load = field(default_factory=Load)


@dataclass(frozen=True)
class Demands:
    dedicated_premises: bool = False
    #: Floor area of the demanded room, if premises are demanded and the area is known.
    premises_area_m2: int | None = None
    dedicated_staff: bool = False
    separate_ranking: bool = False
    veto: bool = False
    responsibility_letter: bool = False
    reports_per_year: int = 0


@dataclass(frozen=True)
class Funding:
    basis: str = "none"
    amount_fen: int = 0
    source: str = ""


@dataclass(frozen=True)
class Proposal:
    """The request as the department filed it (or is still typing it)."""

    department_code: str
    kind: str
    title: str
    description: str = ""
    legal_basis: str = ""
    catalogue_entry: str | None = None
    role: str | None = None
    scope_type: str = "all"
    #: Codes named in the scope that are unknown or lie outside the gate's jurisdiction.
    outside_codes: tuple[str, ...] = ()
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    demands: Demands = field(default_factory=Demands)
    funding: Funding = field(default_factory=Funding)


@dataclass(frozen=True)
class ActiveAuthorisation:
    """An active authorisation of the same department and kind whose scope overlaps the proposal's."""

    number: str
    title: str
    catalogue_entry: str | None
    valid_from: dt.date
    valid_to: dt.date | None
    #: How many of the proposal's communities it already covers.
    overlap: int


@dataclass(frozen=True)
class Settings:
    """The gate's thresholds. Defaults are the brief's; every gate may override them."""

    lead_time_days: int = 30  # working days between filing and the start date
    sign_cap: int = 6  # active plaques per community
    ledger_cap: int = 10  # active ledgers per community
    reports_cap: int = 24  # recurring reports per community per year
    office_share_max_percent: int = 20
    #: 0-100 similarity from which a title is taken to mean a catalogue entry.
    match_threshold: int = 80
    #: Overrides of rule citations by rule code, for the gate's own local documents.
    citations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Calendar:
    """Official working-day calendar: holidays on weekdays and make-up working weekend days (调休).

    A date is a working day when it is a make-up working day, or a Monday-Friday that is not a holiday.
    """

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The date ``count`` working days after ``day`` (``day`` itself not counted)."""
        current = day
        remaining = count
        while remaining > 0:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
        if end <= start:
            return 0
        count = 0
        current = start
        while current < end:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count


@dataclass(frozen=True)
class Context:
    proposal: Proposal
    catalogue: Catalogue
    communities: tuple[Community, ...]
    settings: Settings = field(default_factory=Settings)
    calendar: Calendar = field(default_factory=Calendar)
    filing_date: dt.date = field(default_factory=dt.date.today)
    active: tuple[ActiveAuthorisation, ...] = ()
