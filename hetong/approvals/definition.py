"""Workflow definitions: checking one before it is published, matching contracts, resolving approvers.

A definition (JSON, edited through forms):

    {"conditions": [{"field": "amount", "op": "gte", "value": "1000000"}],       # all must hold; [] matches all
     "nodes": [{"key": "head", "name": "部门负责人审批", "mode": "one|all|any|n_of_m", "n": 2,
                "approvers": [{"kind": "user", "user": 7} | {"kind": "role", "role": "finance"}
                              | {"kind": "department_head"} | {"kind": "manager", "levels": 1}
                              | {"kind": "field", "field": "owner"}],
                "condition": [...],                                        # the step is skipped unless all hold
                "sla_hours": 16, "remind_share": 0.5}],
     "legal_review": {"when": [...], "approvers": [...], "checklist": ["..."], "sla_hours": 16},  # any of "when"
     "fallback_user": 1}                                                   # takes a step nobody resolves to
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from hetong.core.errors import InvalidInput
from hetong.core.money import rate

MODES = ("one", "all", "any", "n_of_m")
APPROVER_KINDS = ("user", "role", "department_head", "manager", "field")
USER_FIELDS = ("owner", "customer_owner")
OPS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "is_true", "is_false")
FIELDS = (
    "contract_type", "amount", "currency", "customer_level", "customer_status", "entity", "department",
    "nonstandard_clause", "nonstandard_template",
)
MAX_NODES = 20
MAX_SLA_HOURS = 24 * 30
LEGAL_KEY = "legal_review"

# --- checking -------------------------------------------------------------------------------------------------

class Problems:
    def __init__(self):
        self.items: list[str] = []

    def add(self, where: str, message: str):
        self.items.append(f"{where}: {message}")

    def raise_if_any(self):
        if self.items:
            raise InvalidInput(
                _("The workflow cannot be published: %(problems)s") % {"problems": "; ".join(self.items)},
                code="invalid_workflow", errors={"definition": self.items},
            )


def _conditions(raw, where: str, problems: Problems) -> list[dict]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        problems.add(where, _("conditions must be a list"))
        return []
    out = []
    for n, condition in enumerate(raw, start=1):
        here = f"{where} {n}"
        if not isinstance(condition, dict):
            problems.add(here, _("not a condition"))
            continue
        name, op, value = condition.get("field"), condition.get("op"), condition.get("value")
        if not isinstance(name, str) or not (name in FIELDS or (name.startswith("extra.") and len(name) > 6)):
            problems.add(here, _("unknown field %(field)s") % {"field": name})
            continue
        if op not in OPS:
            problems.add(here, _("unknown operator %(op)s") % {"op": op})
            continue
        if op in ("gt", "gte", "lt", "lte"):
            try:
                number = Decimal(str(value))
            except (InvalidOperation, ValueError):
                number = None
            if number is None or not number.is_finite():
                problems.add(here, _("%(value)s is not a number") % {"value": value})
                continue
            value = str(number)
        elif op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                problems.add(here, _("give a list of values"))
                continue
            value = [str(v) for v in value]
        elif op in ("is_true", "is_false"):
            value = None
        else:
            value = "" if value is None else str(value)
        out.append({"field": name, "op": op, "value": value})
    return out


def _approvers(raw, where: str, problems: Problems, known_users: set[int]) -> list[dict]:
    from hetong.accounts.models import Role

    if not isinstance(raw, list) or not raw:
        problems.add(where, _("no approvers: this step could never be decided"))
        return []
    out = []
    for approver in raw:
        kind = approver.get("kind") if isinstance(approver, dict) else None
        if kind not in APPROVER_KINDS:
            problems.add(where, _("unknown kind of approver %(kind)s") % {"kind": kind})
            continue
        if kind == "user":
            user = _int(approver.get("user"), None)
            if user not in known_users:
                problems.add(where, _("no active user %(user)s") % {"user": approver.get("user")})
                continue
            out.append({"kind": kind, "user": user})
        elif kind == "role":
            if approver.get("role") not in Role.values:
                problems.add(where, _("unknown role %(role)s") % {"role": approver.get("role")})
                continue
            out.append({"kind": kind, "role": approver["role"]})
        elif kind == "manager":
            levels = _int(approver.get("levels", 1), 0)
            if not 1 <= levels <= 5:
                problems.add(where, _("manager levels must be 1 to 5"))
                continue
            out.append({"kind": kind, "levels": levels})
        elif kind == "field":
            if approver.get("field") not in USER_FIELDS:
                problems.add(where, _("unknown user field %(field)s") % {"field": approver.get("field")})
                continue
            out.append({"kind": kind, "field": approver["field"]})
        else:
            out.append({"kind": kind})
    return out


def _int(raw, default=-1) -> int:
    """A whole number from the input, or `default` for anything that is not one (None, text, NaN, infinity)."""
    try:
        return int(raw)
    except (TypeError, ValueError, OverflowError):
        return default


def _lines(raw) -> list[str]:
    if not isinstance(raw, list):
        return []
    return [str(item)[:200] for item in raw if str(item).strip()][:20]


def _hours(raw, where, problems, *, default=None):
    if raw in (None, ""):
        return default
    hours = _int(raw)
    if not 1 <= hours <= MAX_SLA_HOURS:
        problems.add(where, _("the time limit must be 1 to %(max)s business hours") % {"max": MAX_SLA_HOURS})
        return None
    return hours


def parse(raw) -> dict:
    """A clean definition, or InvalidInput naming every problem (a step nobody can decide, an n above the
    number of named approvers, duplicate keys, unknown fields, users or roles)."""
    from hetong.accounts.models import User

    problems = Problems()
    if not isinstance(raw, dict):
        problems.add(_("definition"), _("not an object"))
        problems.raise_if_any()
    known_users = set(User.objects.filter(is_active=True).values_list("pk", flat=True))
    clean = {"conditions": _conditions(raw.get("conditions"), _("conditions"), problems), "nodes": []}
    nodes = raw.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        problems.add(_("steps"), _("a workflow needs at least one step"))
        nodes = []
    if len(nodes) > MAX_NODES:
        problems.add(_("steps"), _("at most %(n)s steps") % {"n": MAX_NODES})
    keys = set()
    for n, node in enumerate(nodes[:MAX_NODES], start=1):
        where = _("step %(n)s") % {"n": n}
        if not isinstance(node, dict):
            problems.add(where, _("not a step"))
            continue
        key = str(node.get("key") or f"step{n}")[:40]
        if key in keys or key == LEGAL_KEY:
            problems.add(where, _("the key %(key)s is used twice") % {"key": key})
        keys.add(key)
        name = str(node.get("name") or "").strip()[:100]
        if not name:
            problems.add(where, _("give the step a name"))
        mode = node.get("mode", "one")
        if mode not in MODES:
            problems.add(where, _("unknown mode %(mode)s") % {"mode": mode})
        approvers = _approvers(node.get("approvers"), where, problems, known_users)
        count = None
        if mode == "n_of_m":
            count = _int(node.get("n"), 0)
            named = all(a["kind"] == "user" for a in approvers)
            if count < 1 or (named and approvers and count > len({a["user"] for a in approvers})):
                problems.add(where, _("N must be at least 1 and at most the number of approvers"))
        share = node.get("remind_share", 0.5)
        try:
            share = float(share)
        except (TypeError, ValueError, OverflowError):
            share = -1
        if not 0 < share < 1:  # NaN fails this too
            problems.add(where, _("the reminder share must be between 0 and 1"))
        clean["nodes"].append({
            "key": key, "name": name, "mode": mode, "n": count, "approvers": approvers,
            "condition": _conditions(node.get("condition"), where, problems),
            "sla_hours": _hours(node.get("sla_hours"), where, problems), "remind_share": share,
            "checklist": _lines(node.get("checklist")),
        })
    legal = raw.get("legal_review")
    if legal and not isinstance(legal, dict):
        problems.add(_("legal review"), _("not an object"))
    elif legal:
        where = _("legal review")
        clean["legal_review"] = {
            "when": _conditions(legal.get("when"), where, problems),
            "approvers": _approvers(legal.get("approvers"), where, problems, known_users),
            "checklist": _lines(legal.get("checklist")),
            "sla_hours": _hours(legal.get("sla_hours"), where, problems),
        }
        name = str(legal.get("name") or "").strip()[:100]
        if name:  # else the step is called "Legal review" in the submitter's language
            clean["legal_review"]["name"] = name
        if not clean["legal_review"]["when"]:
            problems.add(where, _("say when the legal review is inserted"))
    fallback = raw.get("fallback_user")
    if fallback not in (None, ""):
        fallback = _int(fallback, None)
        if fallback not in known_users:
            problems.add(_("fallback approver"), _("no active user %(user)s") % {"user": raw.get("fallback_user")})
        clean["fallback_user"] = fallback
    problems.raise_if_any()
    return clean


# --- matching -------------------------------------------------------------------------------------------------

@dataclass
class Facts:
    """What conditions look at, read once per contract."""

    contract_type_codes: set
    amount: Decimal
    currency: str
    customer_level: str
    customer_status: str
    entity: str
    departments: set  # the contract's department and those above it (ids as strings)
    nonstandard_clause: bool
    nonstandard_template: bool
    extra: dict = field(default_factory=dict)

    @classmethod
    def of(cls, contract) -> "Facts":
        from hetong.documents.selectors import latest_document

        document = latest_document(contract)
        departments, department = set(), contract.department
        while department is not None and str(department.pk) not in departments:
            departments.add(str(department.pk))
            department = department.parent
        return cls(
            contract_type_codes={t.code for t in contract.contract_type.lineage()},
            amount=Decimal(contract.amount) * rate(contract.currency),
            currency=contract.currency,
            customer_level=contract.customer.level,
            customer_status=contract.customer.status,
            entity=str(contract.entity_id),
            departments=departments,
            nonstandard_clause=bool(document and document.nonstandard),
            nonstandard_template=bool(document and not document.template_version.template.is_standard),
            extra=dict(contract.extra or {}),
        )

    def value(self, name: str):
        if name.startswith("extra."):
            return self.extra.get(name[6:])
        return {
            "contract_type": self.contract_type_codes, "amount": self.amount, "currency": self.currency,
            "customer_level": self.customer_level, "customer_status": self.customer_status, "entity": self.entity,
            "department": self.departments, "nonstandard_clause": self.nonstandard_clause,
            "nonstandard_template": self.nonstandard_template,
        }[name]


def holds(condition: dict, facts: Facts) -> bool:
    value, op, wanted = facts.value(condition["field"]), condition["op"], condition["value"]
    if op == "is_true":
        return bool(value)
    if op == "is_false":
        return not value
    if op in ("gt", "gte", "lt", "lte"):
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError, TypeError):
            return False
        limit = Decimal(wanted)
        return {"gt": number > limit, "gte": number >= limit, "lt": number < limit, "lte": number <= limit}[op]
    values = value if isinstance(value, set) else {"" if value is None else str(value)}
    if op == "eq":
        return wanted in values
    if op == "ne":
        return wanted not in values
    if op == "in":
        return bool(values & set(wanted))
    return not values & set(wanted)  # not_in


def all_hold(conditions: list, facts: Facts) -> bool:
    return all(holds(c, facts) for c in conditions)


# --- approvers ------------------------------------------------------------------------------------------------

class People:
    """The department tree and the role lists, read once, for resolving approvers without a query each."""

    def __init__(self):
        from hetong.accounts.models import Department, User

        self.departments = {d.pk: d for d in Department.objects.select_related("head")}
        for department in self.departments.values():
            department.parent = self.departments.get(department.parent_id)
        self.heads = {pk: d.head for pk, d in self.departments.items() if d.head is not None and d.head.is_active}
        self.users = {u.pk: u for u in User.objects.filter(is_active=True).select_related("department")}

    def head(self, department_id):
        """The head of the department, or of the nearest department above it that has one."""
        department = self.departments.get(department_id)
        while department is not None:
            if department.pk in self.heads:
                return self.heads[department.pk]
            department = department.parent
        return None

    def manager_of(self, user):
        from hetong.accounts.models import manager_in

        if user is None:
            return None
        return manager_in(user, self.departments.get(user.department_id), self.heads)

    def with_role(self, role):
        return [u for u in self.users.values() if u.role == role]

    def resolve(self, approvers: list[dict], contract) -> list:
        found = []
        for approver in approvers:
            kind = approver["kind"]
            if kind == "user":
                found.append(self.users.get(approver["user"]))
            elif kind == "role":
                found.extend(sorted(self.with_role(approver["role"]), key=lambda u: u.pk))
            elif kind == "department_head":
                found.append(self.head(contract.department_id))
            elif kind == "manager":
                person = self.users.get(contract.owner_id)
                for _level in range(approver["levels"]):
                    person = self.manager_of(person) if person is not None else None
                found.append(person)
            elif kind == "field":
                pk = contract.owner_id if approver["field"] == "owner" else contract.customer.owner_id
                found.append(self.users.get(pk))
        unique = {}
        for person in found:
            if person is not None:
                unique.setdefault(person.pk, person)
        return list(unique.values())


@dataclass
class Step:
    key: str
    name: str
    mode: str
    required: int
    approvers: list  # User objects
    fallback: bool
    skipped: bool
    sla_hours: int | None
    remind_share: float
    checklist: list

    def as_json(self) -> dict:
        return {"key": self.key, "name": self.name, "mode": self.mode, "required": self.required,
                "approvers": [u.pk for u in self.approvers], "fallback": self.fallback, "skipped": self.skipped,
                "sla_hours": self.sla_hours, "remind_share": self.remind_share, "checklist": self.checklist}


def steps_for(definition: dict, contract, *, submitter, people: People | None = None) -> list[Step]:
    """The steps a contract goes through, with the people who decide each; the submitter never approves their own
    contract, and a step nobody resolves to goes to the workflow's fallback approver (or an administrator)."""
    from hetong.accounts.models import User

    people = people or People()
    facts = Facts.of(contract)
    nodes = list(definition["nodes"])
    legal = definition.get("legal_review")
    if legal and any(holds(c, facts) for c in legal["when"]):
        nodes.append({"key": LEGAL_KEY, "name": legal.get("name") or str(_("Legal review")), "mode": "any", "n": None,
                      "approvers": legal["approvers"], "condition": [], "sla_hours": legal.get("sla_hours"),
                      "remind_share": 0.5, "checklist": legal.get("checklist", [])})
    fallback_id = definition.get("fallback_user")
    steps = []
    for node in nodes:
        skipped = not all_hold(node.get("condition") or [], facts)
        approvers = [u for u in people.resolve(node["approvers"], contract) if u.pk != submitter.pk]
        if node["mode"] == "one":
            approvers = approvers[:1]
        used_fallback = False
        if not approvers and not skipped:
            fallback = people.users.get(fallback_id) if fallback_id else None
            if fallback is None or fallback.pk == submitter.pk:
                fallback = (
                    User.objects.filter(is_active=True, is_superuser=True).exclude(pk=submitter.pk).order_by("pk").first()
                )
            approvers = [fallback] if fallback is not None else []
            used_fallback = True
        if node["mode"] == "all":
            required = len(approvers)
        elif node["mode"] == "n_of_m":
            required = min(node["n"] or 1, len(approvers))
        else:
            required = 1 if approvers else 0
        steps.append(Step(node["key"], node["name"], node["mode"], required, approvers, used_fallback, skipped,
                          node.get("sla_hours"), node.get("remind_share", 0.5), node.get("checklist", [])))
    return steps


def choose(contract):
    """The published version of the first active workflow whose conditions hold, else of the default one."""
    from .models import Workflow

    facts = Facts.of(contract)
    workflows = list(Workflow.objects.filter(is_active=True, current__isnull=False).select_related("current"))
    for workflow in workflows:
        if not workflow.is_default and all_hold(workflow.current.definition.get("conditions", []), facts):
            return workflow.current
    for workflow in workflows:
        if workflow.is_default:
            return workflow.current
    return None

