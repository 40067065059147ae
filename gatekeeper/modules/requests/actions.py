"""What a user can do with a request now: the workflow's allowed actions filtered by permissions.

Pages show a button exactly when its endpoint would accept the action.
"""

from __future__ import annotations

from gatekeeper.modules.requests import workflow
from gatekeeper.modules.requests.models import AdmissionRequest
from gatekeeper.modules.requests.permissions import (
    can_accept_request,
    can_edit_request,
    can_return_request,
    can_rule,
    can_submit_request,
    can_withdraw_request,
)


def action_permissions() -> dict:
    from gatekeeper.modules.committee.permissions import can_decide, can_recuse, can_vote

    return {
        "edit": can_edit_request,
        "submit": can_submit_request,
        "withdraw": can_withdraw_request,
        "accept": can_accept_request,
        "return": can_return_request,
        "vote": can_vote,
        "recuse": can_recuse,
        "decide": can_decide,
        "ruling": can_rule,
    }


def available_actions(user, req: AdmissionRequest) -> list[str]:
    checks = action_permissions()
    return [name for name in workflow.allowed_actions(req.state) if checks[name](user, req)]
