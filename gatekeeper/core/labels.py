"""Words for the states and kinds the pages show: ``label(value)`` for any of the domain's enums.

Pages show every state with a clear label, in the reader's language; the words live here once, so a
state reads the same on every page (and in templates as ``label(req.state)``). ``tone(value)`` gives
the badge colour family of a state (a page never relies on colour alone: the word is always shown).
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from flask_babel import lazy_gettext as _l


def _tables() -> dict[type, Callable[[], dict]]:
    from gatekeeper.modules.accounts.models import Role
    from gatekeeper.modules.attachments.models import AttachmentKind
    from gatekeeper.modules.authorisations.models import AuthorisationStatus as A
    from gatekeeper.modules.catalogue.models import ChangeAction, DutyRole, Kind, StandardBasis, Standing
    from gatekeeper.modules.catalogue.models import VersionState as V
    from gatekeeper.modules.committee.models import DecisionOutcome, MeetingKind, RulingOutcome, VoteChoice
    from gatekeeper.modules.funds.models import AllocationState, DisbursementState
    from gatekeeper.modules.inventory.models import CleanupStatus
    from gatekeeper.modules.jurisdictions.models import CommunityType, DayKind, Level
    from gatekeeper.modules.requests.models import FundingBasis, Outcome, ScopeType, Severity
    from gatekeeper.modules.requests.models import RequestState as S
    from gatekeeper.modules.supervision.models import NoticeState, ReportSource
    from gatekeeper.modules.supervision.models import ReportState as R

    return {
        S: lambda: {
            S.DRAFT: _l("Draft"),
            S.SUBMITTED: _l("Submitted"),
            S.IN_REVIEW: _l("In review"),
            S.RETURNED: _l("Returned"),
            S.REFERRED: _l("Referred"),
            S.APPROVED: _l("Approved"),
            S.REJECTED: _l("Rejected"),
            S.WITHDRAWN: _l("Withdrawn"),
        },
        A: lambda: {
            A.ACTIVE: _l("Valid"),
            A.EXPIRED: _l("Expired"),
            A.REVOKED: _l("Revoked"),
            A.SUPERSEDED: _l("Superseded"),
        },
        Kind: lambda: {
            Kind.DUTY: _l("Work duty"),
            Kind.SIGN: _l("Sign or plaque"),
            Kind.LEDGER: _l("Ledger"),
            Kind.APPRAISAL: _l("Appraisal or ranking"),
            Kind.CERTIFICATE: _l("Certificate or seal"),
            Kind.MECHANISM: _l("Body or working mechanism"),
            Kind.SYSTEM: _l("Information system, app or report form"),
        },
        Standing: lambda: {Standing.PERMITTED: _l("Permitted"), Standing.BANNED: _l("Banned")},
        DutyRole: lambda: {
            DutyRole.PERFORM: _l("Community performs"),
            DutyRole.ASSIST: _l("Community assists"),
        },
        StandardBasis: lambda: {
            StandardBasis.NONE: _l("No funding standard"),
            StandardBasis.PER_100_HOUSEHOLDS: _l("Per 100 households per year"),
            StandardBasis.PER_COMMUNITY: _l("Per community per year"),
        },
        V: lambda: {V.DRAFT: _l("Draft"), V.PUBLISHED: _l("Published")},
        ChangeAction: lambda: {
            ChangeAction.ADD: _l("Added"),
            ChangeAction.AMEND: _l("Amended"),
            ChangeAction.REMOVE: _l("Removed"),
            ChangeAction.INTERPRET: _l("Interpreted"),
        },
        FundingBasis: lambda: {
            FundingBasis.NONE: _l("No funding"),
            FundingBasis.PER_100_HOUSEHOLDS: _l("Per 100 households per year"),
            FundingBasis.PER_COMMUNITY: _l("Per community per year"),
            FundingBasis.LUMP_SUM: _l("Lump sum"),
        },
        ScopeType: lambda: {
            ScopeType.ALL: _l("The whole jurisdiction"),
            ScopeType.STREETS: _l("Streets and towns"),
            ScopeType.COMMUNITIES: _l("Listed communities"),
        },
        Outcome: lambda: {
            Outcome.ADMISSIBLE: _l("Admissible"),
            Outcome.REFER: _l("To the escalation body"),
            Outcome.BLOCKED: _l("Blocked"),
        },
        Severity: lambda: {
            Severity.BLOCK: _l("Blocks"),
            Severity.REFER: _l("Refer"),
            Severity.WARN: _l("Warning"),
            Severity.INFO: _l("Note"),
        },
        VoteChoice: lambda: {
            VoteChoice.APPROVE: _l("Approve"),
            VoteChoice.REJECT: _l("Reject"),
            VoteChoice.ABSTAIN: _l("Abstain"),
        },
        DecisionOutcome: lambda: {
            DecisionOutcome.APPROVE: _l("Approve"),
            DecisionOutcome.REJECT: _l("Reject"),
            DecisionOutcome.RETURN: _l("Return for changes"),
        },
        RulingOutcome: lambda: {RulingOutcome.APPROVE: _l("Approve"), RulingOutcome.REJECT: _l("Reject")},
        MeetingKind: lambda: {MeetingKind.MEETING: _l("Meeting"), MeetingKind.WRITTEN: _l("Written vote")},
        AllocationState: lambda: {
            AllocationState.ACTIVE: _l("Active"),
            AllocationState.CANCELLED: _l("Cancelled"),
            AllocationState.SUPERSEDED: _l("Carried over"),
        },
        DisbursementState: lambda: {
            DisbursementState.RECORDED: _l("Awaiting confirmation"),
            DisbursementState.CONFIRMED: _l("Confirmed"),
            DisbursementState.DISPUTED: _l("Disputed"),
        },
        CommunityType: lambda: {
            CommunityType.URBAN: _l("Urban community"),
            CommunityType.RURAL: _l("Village"),
        },
        DayKind: lambda: {DayKind.HOLIDAY: _l("Holiday"), DayKind.WORKDAY: _l("Make-up working day")},
        Level: lambda: {
            Level.CITY: _l("City"),
            Level.DISTRICT: _l("District or county"),
            Level.STREET: _l("Street or town"),
            Level.COMMUNITY: _l("Community or village"),
        },
        Role: lambda: {
            Role.OFFICER: _l("Department officer"),
            Role.SECRETARIAT: _l("Committee office"),
            Role.MEMBER: _l("Committee member"),
            Role.CHAIR: _l("Committee chair"),
            Role.COMMUNITY_HEAD: _l("Community head"),
            Role.STREET_OFFICER: _l("Street officer"),
            Role.ADMIN: _l("Administrator"),
        },
        AttachmentKind: lambda: {
            AttachmentKind.LEGAL_BASIS: _l("Legal basis document"),
            AttachmentKind.PLAN: _l("Work plan"),
            AttachmentKind.FUNDING: _l("Budget or funding document"),
            AttachmentKind.OTHER: _l("Other document"),
        },
        R: lambda: {
            R.RECEIVED: _l("Received"),
            R.INVESTIGATING: _l("Investigating"),
            R.UPHELD: _l("Upheld"),
            R.UNFOUNDED: _l("Unfounded"),
            R.RECTIFIED: _l("Rectified"),
            R.CLOSED: _l("Closed"),
        },
        NoticeState: lambda: {NoticeState.DRAFT: _l("Draft"), NoticeState.PUBLISHED: _l("Published")},
        ReportSource: lambda: {
            ReportSource.COMMUNITY: _l("Community head"),
            ReportSource.PUBLIC: _l("Member of the public"),
        },
        CleanupStatus: lambda: {
            CleanupStatus.KEEP: _l("Keep"),
            CleanupStatus.REMOVE: _l("Must be removed"),
            CleanupStatus.REMOVED: _l("Taken down"),
        },
    }


_TABLES: dict[type, dict] | None = None


def label(value: enum.Enum | None) -> str:
    """The word for ``value`` in the current language (empty for ``None``)."""
    global _TABLES
    if value is None:
        return ""
    if _TABLES is None:
        # Built once: the lazy strings are worded in the reader's language each time they are read.
        _TABLES = {cls: make() for cls, make in _tables().items()}
    table = _TABLES.get(type(value))
    if table is None:
        raise KeyError(f"no label for {type(value).__name__}")
    return str(table[value])


def options(enum_cls: type[enum.Enum], blank: str | None = None) -> list[tuple[str, str]]:
    """``(value, word)`` for every member of ``enum_cls``, for a select or radios (with an empty first
    choice worded ``blank`` when given)."""
    first = [("", blank)] if blank is not None else []
    return first + [(member.value, label(member)) for member in enum_cls]


#: Badge colour families: good (green), wait (blue), attention (amber), bad (red), ended (grey).
_TONES = {
    "approved": "good",
    "active": "good",
    "confirmed": "good",
    "admissible": "good",
    "published": "good",
    "permitted": "good",
    "upheld": "bad",
    "in_review": "wait",
    "submitted": "wait",
    "recorded": "wait",
    "received": "wait",
    "investigating": "wait",
    "info": "wait",
    "returned": "attention",
    "referred": "attention",
    "refer": "attention",
    "warn": "attention",
    "draft": "neutral",
    "disputed": "bad",
    "rejected": "bad",
    "revoked": "bad",
    "blocked": "bad",
    "block": "bad",
    "banned": "bad",
    "cancelled": "ended",
    "withdrawn": "ended",
    "expired": "ended",
    "superseded": "ended",
    "unfounded": "ended",
    "rectified": "good",
    "closed": "ended",
    # catalogue changes (立改废释)
    "add": "good",
    "amend": "attention",
    "remove": "bad",
    "interpret": "wait",
}


def tone(value: enum.Enum | str | None) -> str:
    key = getattr(value, "value", value) or ""
    return _TONES.get(str(key), "neutral")
