"""The demo requests: about 100 admission requests of 临江区's departments over the last ten months.

The requests are in ``data/requests.json`` and ``requests_plan.py`` dates every step of every
request. ``load_requests`` then runs all the steps of all the requests in time order, each under
a frozen clock, through the same operations the app uses (file, submit, accept, vote, decide,
rule ...), so the audit trail, the check runs, the authorisation numbers and the community loads
are exactly what the app would have produced. A step that an operation refuses, a check that does
not find what the data expects, or a request that does not end in the state its fate names raises
``DemoDataError``: the loader never skips anything silently. It flushes and never commits.
"""

from __future__ import annotations

import random
from collections import Counter

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.errors import GatekeeperError
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.committee import operations as committee_ops
from gatekeeper.modules.committee.models import DecisionOutcome, RulingOutcome, VoteChoice
from gatekeeper.modules.demo.district import officer_username
from gatekeeper.modules.demo.meetings import Agendas, answer
from gatekeeper.modules.demo.requests_plan import Plan, Step, plan_requests, read_specs
from gatekeeper.modules.jurisdictions.operations import working_calendar
from gatekeeper.modules.requests import operations as ops
from gatekeeper.modules.requests.models import AdmissionRequest, CheckRun, Outcome, RequestState
from gatekeeper.modules.requests.schemas import RequestInputSchema

SEED = 20261122

#: What members say when they vote without a comment of their own in the data.
COMMENTS = {
    "approve": (
        "同意。",
        "同意准入。",
        "同意，有法律法规依据。",
        "原则同意，建议执行一年后听取社区意见再评估。",
    ),
    "reject": ("不同意，该事项属于部门自身职责，不宜下派社区。", "不同意，与已有事项重复。"),
    "abstain": ("弃权，经费测算依据需进一步说明。", "弃权。"),
}
FUNDED_COMMENTS = ("同意，经费已按标准安排，请部门按时足额拨付。", "同意，请部门按时足额拨付经费。")
REPORTING_COMMENTS = ("同意。建议数据通过“一表通”平台报送，减少重复填报。", "同意，注意控制报表频次。")


class DemoDataError(RuntimeError):
    """A demo request did not go where its data says."""


def load_requests(*, seed: int = SEED) -> str:
    """Create the demo requests (the district must be loaded); returns a one-line summary."""
    rng = random.Random(seed)
    today = clock.today()
    plans = plan_requests(read_specs(), working_calendar(today), today, rng)
    runner = _Runner(plans, rng)
    for step in sorted((s for p in plans for s in p.steps), key=lambda s: (s.at, s.index, s.order)):
        with clock.frozen(step.at):
            runner.run(step)
    db.session.flush()
    return runner.verify()


def reference(plan: Plan) -> str:
    """The escalation body's minutes, numbered by the week of the meeting."""
    day = plan.ruled_on
    return f"区政府常务会议纪要〔{day.year}〕{day.isocalendar().week}号"


class _Runner:
    def __init__(self, plans: list[Plan], rng: random.Random):
        self.plans = {plan.index: plan for plan in plans}
        self.rng = rng
        self.users = {user.username: user for user in db.session.scalars(sa.select(User))}
        self.requests: dict[int, AdmissionRequest] = {}
        self.checked: set[int] = set()
        self.agendas = Agendas(self.users["secretariat"])

    def user(self, username: str) -> User:
        return self.users[username]

    def run(self, step: Step) -> None:
        plan = self.plans[step.index]
        try:
            getattr(self, f"_{step.action}")(plan, step)
        except DemoDataError:
            raise
        except Exception as exc:
            detail = f" {exc.fields} {exc.extra}" if isinstance(exc, GatekeeperError) else ""
            raise DemoDataError(
                f"demo request #{plan.index} 「{plan.title}」: {step.action} at {step.at:%Y-%m-%d %H:%M} "
                f"failed: {exc!r}{detail}"
            ) from exc

    # --- the steps --------------------------------------------------------------------------

    def _create(self, plan: Plan, step: Step) -> None:
        data = RequestInputSchema().load(plan.body)
        self.requests[plan.index] = ops.create_request(data, actor=self._filer(plan))

    def _attempt(self, plan: Plan, step: Step) -> None:
        _req, run, _comparison = ops.submit_request(self.requests[plan.index], actor=self._filer(plan))
        if run.outcome != Outcome.BLOCKED:
            self._fail(plan, step, f"the submission should be blocked, the check says {self._codes(run)}")
        self._expect(plan, step, run)

    def _submit(self, plan: Plan, step: Step) -> None:
        response = answer(plan.spec.get("fix")) if step.action == "resubmit" else ""
        _req, run, comparison = ops.submit_request(
            self.requests[plan.index], actor=self._filer(plan), response=response
        )
        if run.outcome == Outcome.BLOCKED:
            self._fail(plan, step, f"the submission is blocked: {self._codes(run)}")
        self._expect(plan, step, run)
        if step.action == "resubmit" and not comparison["resolved"]:
            self._fail(plan, step, f"the resubmission resolves no finding: {comparison}")

    _resubmit = _submit

    def _return(self, plan: Plan, step: Step) -> None:
        ops.return_request(self.requests[plan.index], plan.spec["return"], actor=self.user("secretariat"))

    def _fix(self, plan: Plan, step: Step) -> None:
        ops.update_request(self.requests[plan.index], plan.patch, actor=self._filer(plan))

    def _accept(self, plan: Plan, step: Step) -> None:
        req = ops.accept_request(self.requests[plan.index], actor=self.user("secretariat"))
        if plan.expected != RequestState.IN_REVIEW:  # those still in review are scheduled at the end
            self.agendas.schedule_round(req, plan.steps, step.at)

    def _recuse(self, plan: Plan, step: Step) -> None:
        reason = plan.spec["recuse"][step.member]
        committee_ops.declare_recusal(self.requests[plan.index], reason, actor=self.user(step.member))

    def _vote(self, plan: Plan, step: Step) -> None:
        pool = COMMENTS[step.choice]
        if step.choice == "approve":
            pool += FUNDED_COMMENTS if plan.spec.get("funding") else ()
            pool += REPORTING_COMMENTS if plan.spec.get("reports") else ()
        comment = plan.spec.get("comments", {}).get(step.member) or self.rng.choice(pool)
        committee_ops.cast_vote(self.requests[plan.index], VoteChoice(step.choice), comment,
                                actor=self.user(step.member))  # fmt: skip

    def _approve(self, plan: Plan, step: Step) -> None:
        self._decide(plan, step, DecisionOutcome.APPROVE, conditions=plan.spec.get("conditions", ""))

    def _reject(self, plan: Plan, step: Step) -> None:
        self._decide(plan, step, DecisionOutcome.REJECT, reason=plan.spec["reject"])

    def _send_back(self, plan: Plan, step: Step) -> None:
        self._decide(plan, step, DecisionOutcome.RETURN, reason=plan.spec["send_back"])

    def _decide(self, plan: Plan, step: Step, outcome: DecisionOutcome, **kwargs) -> None:
        req = self.requests[plan.index]
        if req.due_date is None or step.at.date() > req.due_date:
            self._fail(plan, step, f"the decision would come after the due date {req.due_date}")
        committee_ops.decide(req, outcome, actor=self.user("chair"), **kwargs)

    def _withdraw(self, plan: Plan, step: Step) -> None:
        ops.withdraw_request(self.requests[plan.index], actor=self._filer(plan), reason=plan.spec["withdraw"])

    def _ruling(self, plan: Plan, step: Step) -> None:
        req, ruling = self.requests[plan.index], plan.spec["ruling"]
        if req.decided_at is None or plan.ruled_on <= clock.local_date(req.decided_at):
            self._fail(plan, step, f"the ruling of {plan.ruled_on} would not follow the committee's decision")
        committee_ops.record_ruling(
            req,
            RulingOutcome(ruling["outcome"]),
            reference=reference(plan),
            reason=ruling.get("reason", ""),
            ruled_on=plan.ruled_on,
            add_to_catalogue=ruling.get("add_to_catalogue", False),
            actor=self.user("secretariat"),
        )

    # --- checks -----------------------------------------------------------------------------

    def _filer(self, plan: Plan) -> User:
        return self.user(officer_username(plan.spec["dept"]))

    @staticmethod
    def _codes(run: CheckRun) -> list[str]:
        return [f"{f.code}/{f.severity.value}" for f in run.findings]

    def _expect(self, plan: Plan, step: Step, run: CheckRun) -> None:
        """The first check of a request finds at least the rules its data names."""
        if plan.index in self.checked:
            return
        self.checked.add(plan.index)
        missing = set(plan.spec.get("expect", ())) - {f.code for f in run.findings}
        if missing:
            self._fail(plan, step, f"the check lacks {sorted(missing)}: {self._codes(run)}")

    @staticmethod
    def _fail(plan: Plan, step: Step, problem: str) -> None:
        raise DemoDataError(f"demo request #{plan.index} 「{plan.title}」, {step.action}: {problem}")

    def verify(self) -> str:
        """Every request is where its fate says; returns the summary line."""
        wrong = [
            f"#{p.index} 「{p.title}」 is {self.requests[p.index].state.value}, not {p.expected.value}"
            for p in self.plans.values()
            if self.requests[p.index].state != p.expected
        ]
        ids = [req.id for req in self.requests.values()]
        mine = ops.overdue_query().where(AdmissionRequest.id.in_(ids))  # not those of an earlier load
        overdue = {req.id for req in db.session.scalars(mine)}
        planned = {self.requests[p.index].id for p in self.plans.values() if p.spec["fate"] == "overdue"}
        if overdue != planned:
            wrong.append(f"overdue requests {sorted(overdue)} instead of {sorted(planned)}")
        numbers = sorted(
            db.session.scalars(sa.select(Authorisation.number).where(Authorisation.request_id.in_(ids)))
        )
        approved = sum(req.state == RequestState.APPROVED for req in self.requests.values())
        if len(numbers) != approved:
            wrong.append(f"{len(numbers)} authorisations for {approved} approved requests")
        if wrong:
            raise DemoDataError("demo requests did not end as planned: " + "; ".join(wrong))
        states = Counter(req.state for req in self.requests.values())
        counts = ", ".join(f"{states[state]} {state.value}" for state in RequestState if states[state])
        issued = f"{numbers[0]}..{numbers[-1]}" if numbers else "none"
        return (
            f"Demo requests: {len(self.requests)} ({counts}; {len(overdue)} overdue); "
            f"{len(numbers)} authorisations issued ({issued})."
        )
