"""The sentences the prescription rules' answers are read in, for the customer and the pharmacist.

The rules (``coverage``, ``approval``, ``interactions``) answer in codes and
facts; this module words them, translatable, with dates in the shop's format
(``django.utils.formats``). Templates reach it through the ``rx_message`` and
``conflict_source`` filters of ``prescription_tags``.
"""

from __future__ import annotations

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from prescriptions.approval import CHECKLIST, PREGNANCY_CHECKLIST, ApprovalProblem, Problem
from prescriptions.coverage import Reason, Shortfall
from prescriptions.interactions import Conflict, HistoryConflict
from prescriptions.policy import AcknowledgementProblem


def date(value: datetime.date | None) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else "-"


# --- The gate ----------------------------------------------------------------------


def shortfall_text(shortfall: Shortfall) -> str:
    """What the customer is told about a line no prescription covers."""
    line, reason, prescription = shortfall.line, shortfall.reason, shortfall.prescription
    if reason is Reason.ACKNOWLEDGEMENT_MISSING:
        return _acknowledgement_text(shortfall)
    if reason is Reason.LOGIN_REQUIRED:
        return _("Please log in to order prescription medicines.")
    if shortfall.on_approval:
        return _("%(title)s: %(problem)s") % {"title": line.title, "problem": _approval_shortfall_text(shortfall)}
    if prescription is None:
        return _("%(title)s needs a prescription approved by our pharmacist before you can order it.") % {
            "title": line.title
        }
    values = {"ref": prescription.reference, "title": line.title}
    if reason is Reason.PENDING:
        return _("Your prescription %(ref)s for %(title)s is waiting for our pharmacist's review.") % values
    if reason is Reason.RESUBMIT:
        return _("Our pharmacist asked for a clearer copy of prescription %(ref)s for %(title)s.") % values
    if reason is Reason.REVOKED:
        return _("Prescription %(ref)s for %(title)s was revoked by our pharmacist.") % values
    return _("Prescription %(ref)s for %(title)s was not approved.") % values


def _approval_shortfall_text(shortfall: Shortfall) -> str:
    """Why the customer's approved prescription does not cover the line (``coverage.item_problem``)."""
    reason, facts = shortfall.reason, shortfall.details
    ref = shortfall.prescription.reference
    if reason is Reason.REVOKED:
        return _("Prescription %(ref)s was revoked by our pharmacist.") % {"ref": ref}
    if reason is Reason.PENDING:
        return _("Prescription %(ref)s is not approved.") % {"ref": ref}
    if reason is Reason.EXPIRED:
        return _("Prescription %(ref)s expired on %(date)s.") % {"ref": ref, "date": date(facts["valid_until"])}
    if reason is Reason.WINDOW_PASSED:
        return _("Prescription %(ref)s can only be dispensed until %(date)s, %(days)s days after it was written.") % {
            "ref": ref,
            "date": date(facts["window_end"]),
            "days": facts["days"],
        }
    if reason is Reason.TOO_MANY_DAYS:
        return _("Prescription %(ref)s is approved for more than %(max)s days' supply, the most allowed at once.") % {
            "ref": ref,
            "max": facts["max_supply_days"],
        }
    if reason is Reason.TOO_MANY_PACKS:
        return ngettext(
            "Prescription %(ref)s covers at most %(most)s pack in one order, %(days)s days' supply; "
            "your basket has %(wanted)s.",
            "Prescription %(ref)s covers at most %(most)s packs in one order, %(days)s days' supply; "
            "your basket has %(wanted)s.",
            facts["most"],
        ) % {"ref": ref, "most": facts["most"], "days": facts["days_supply"], "wanted": facts["wanted"]}
    if reason is Reason.NO_PREGNANCY_TEST:
        return _("Prescription %(ref)s needs a negative pregnancy test from the last %(days)s days.") % {
            "ref": ref,
            "days": facts["days"],
        }
    return _("Prescription %(ref)s covers %(left)s more; your basket has %(wanted)s.") % {
        "ref": ref,
        "left": facts["left"],
        "wanted": facts["wanted"],
    }


def _acknowledgement_text(shortfall: Shortfall) -> str:
    facts, title = shortfall.details, shortfall.line.title
    problem = facts.get("problem")
    if problem is AcknowledgementProblem.WARNING_CHANGED:
        return _(
            "The pregnancy warning for %(title)s has changed since you acknowledged it. "
            "Please read it and acknowledge it again."
        ) % {"title": title}
    if problem is AcknowledgementProblem.LAPSED:
        return _(
            "You acknowledged the pregnancy warning for %(title)s on %(date)s, more than %(days)s days ago. "
            "Please read it and acknowledge it again."
        ) % {"title": title, "date": date(timezone.localdate(facts["acknowledged_at"])), "days": facts["days"]}
    return _("Please read and acknowledge the pregnancy warning for %(title)s.") % {"title": title}


# --- Interactions ------------------------------------------------------------------


def conflict_text(conflict: Conflict) -> str:
    if isinstance(conflict, HistoryConflict):
        return _history_conflict_text(conflict)
    return _("%(first)s and %(second)s cannot be ordered together. %(why)s") % {
        "first": conflict.first,
        "second": conflict.second,
        "why": conflict.explanation,
    }


def conflict_source(conflict: HistoryConflict) -> str:
    """Where the clashing medicine of the customer's history comes from: an order, or an approval."""
    if conflict.from_order:
        return _("ordered on %(date)s (order %(number)s)") % {
            "date": date(conflict.ordered_on),
            "number": conflict.order_number,
        }
    return _("approved on prescription %(ref)s, valid until %(date)s") % {
        "ref": conflict.approval_reference,
        "date": date(conflict.approval_valid_until),
    }


def _history_conflict_text(conflict: HistoryConflict) -> str:
    if conflict.from_order:
        return _(
            "%(first)s cannot be ordered until %(until)s: you ordered %(second)s on %(date)s (order %(number)s), "
            "and the two must not be taken within %(days)s days of each other. %(why)s"
        ) % {
            "first": conflict.first,
            "second": conflict.second,
            "until": date(conflict.allowed_from),
            "date": date(conflict.ordered_on),
            "number": conflict.order_number,
            "days": conflict.days,
            "why": conflict.explanation,
        }
    return _("%(first)s clashes with %(second)s, %(source)s. %(why)s") % {
        "first": conflict.first,
        "second": conflict.second,
        "source": conflict_source(conflict),
        "why": conflict.explanation,
    }


def refusal_text(shortfalls, conflicts) -> str:
    """Everything that stops an order, in one line (the order's refusal)."""
    return " ".join([shortfall_text(s) for s in shortfalls] + [conflict_text(c) for c in conflicts])


# --- The pharmacist's approval ----------------------------------------------------


def checklist_label(key: str) -> str:
    labels = dict(CHECKLIST + PREGNANCY_CHECKLIST)
    return str(labels[key]) if key in labels else key.replace("_", " ").capitalize()


def approval_problem_text(problem: ApprovalProblem) -> str:
    code, facts = problem.code, problem.details
    if code is Problem.UNTICKED:
        return _("Tick every item of the checklist before approving. Not ticked: %(items)s") % {
            "items": "; ".join(checklist_label(key) for key in facts["items"])
        }
    if code is Problem.NOTHING_APPROVED:
        return _("Approve at least one medicine with a quantity above zero.")
    if code is Problem.NOT_ON_PRESCRIPTION:
        return _("A prescription can only cover the medicines the customer uploaded it for.")
    if code is Problem.VALID_UNTIL_PASSED:
        return _("The valid-until date is in the past.")
    if code is Problem.AFTER_WINDOW:
        return _("It cannot be valid after %(date)s: %(days)s days from the date of issue.") % {
            "date": date(facts["date"]),
            "days": facts["days"],
        }
    if code is Problem.TOO_MANY_DAYS:
        return _("Approve at most %(days)s days' supply.") % {"days": facts["days"]}
    if code is Problem.TOO_MANY_PACKS:
        return _pack_limit_text(**facts)
    if code is Problem.PREGNANCY_STATUS_UNKNOWN:
        return _("Record whether the patient can become pregnant.")
    return _("Record the date of a negative pregnancy test from the last %(days)s days.") % {"days": facts["days"]}


def approval_problem_texts(problems) -> list[str]:
    """Each problem's sentence, each sentence once."""
    texts = [approval_problem_text(p) for p in problems]
    return sorted(set(texts), key=texts.index)


def _pack_limit_text(*, product, rules, most: int, days_supply: int | None) -> str:
    title = product.get_title()
    if not rules.has_own_rules:
        return _(
            "Approve at most one pack of %(title)s: it has no dispensing rules saying how much a pack holds. "
            "Set its units in a pack and most units a day to approve more."
        ) % {"title": title}
    policy = rules.policy
    if not days_supply:
        return _(
            "Enter the days' supply: the rules for %(title)s limit the packs by the units a patient may take a day."
        ) % {"title": title}
    if not policy.units_per_pack:
        return _("The rules for %(title)s set the most units a day but not the units in a pack; set them first.") % {
            "title": title
        }
    return ngettext(
        "Approve at most %(most)s pack of %(title)s for %(days)s days: %(per_pack)s in a pack, "
        "at most %(per_day)s a day.",
        "Approve at most %(most)s packs of %(title)s for %(days)s days: %(per_pack)s in a pack, "
        "at most %(per_day)s a day.",
        most,
    ) % {
        "most": most,
        "title": title,
        "days": days_supply,
        "per_pack": policy.units_per_pack,
        "per_day": policy.max_units_per_day,
    }
