"""Prescriptions, what they cover, and the record of every decision about them.

The rules that read and write these models live in ``selectors/`` and
``services/``; models only hold data, the few facts derived from it, and the
invariants of a single row (``clean``).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import DrugInformation, Product

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread


def prescription_storage():
    """The private storage named "prescriptions" in settings.STORAGES."""
    return storages["prescriptions"]


def new_reference() -> str:
    return "RX-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def prescription_file_path(instance: Prescription, filename: str) -> str:
    # ``filename`` is already a server-made random name (see services); the
    # customer's own file name never reaches the file system.
    return f"{filename[:2]}/{filename}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied(f"{self.model._meta.verbose_name_plural} are append-only.")

    def delete(self):
        raise PermissionDenied(f"{self.model._meta.verbose_name_plural} are append-only.")


class AppendOnly(models.Model):
    """An audit record: written once, never changed or deleted through the ORM."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied(f"{self._meta.verbose_name_plural} are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(f"{self._meta.verbose_name_plural} are append-only.")


class Prescription(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RESUBMIT = "resubmit", _("Clearer upload requested")
        REVOKED = "revoked", _("Revoked")

    class FileKind(models.TextChoices):
        IMAGE = "image", _("Image")
        PDF = "pdf", _("PDF")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prescriptions")

    file = models.FileField(storage=prescription_storage, upload_to=prescription_file_path, max_length=120)
    file_kind = models.CharField(max_length=8, choices=FileKind.choices)
    content_type = models.CharField(max_length=40)
    file_size = models.PositiveIntegerField()
    file_sha256 = models.CharField(max_length=64)

    patient_name = models.CharField(_("patient's name"), max_length=120)
    prescriber_name = models.CharField(_("doctor's name"), max_length=120)
    prescriber_registration = models.CharField(_("doctor's PMDC registration number"), max_length=20)
    issued_on = models.DateField(_("date of issue"))
    products = models.ManyToManyField("catalogue.Product", related_name="+", verbose_name=_("medicines it is for"))
    note = models.TextField(_("note for the pharmacist"), blank=True, max_length=1000)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Shown to the customer when the prescription is rejected, revoked or a
    # clearer copy is requested.
    decision_reason = models.TextField(blank=True)

    # Filled in by the pharmacist on approval.
    valid_until = models.DateField(null=True, blank=True)
    days_supply = models.PositiveSmallIntegerField(null=True, blank=True)
    patient_can_become_pregnant = models.BooleanField(null=True, blank=True)
    pregnancy_test_on = models.DateField(null=True, blank=True)

    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # When the file, the patient's name and the note were deleted under the
    # retention rule (services.scheduled.prescriptions_erase_expired); the rest stays as
    # the pharmacy's record.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        permissions = [("review_prescription", _("Can review prescriptions"))]
        indexes = [
            # The pharmacist's queue: by status, oldest first.
            models.Index(fields=["status", "submitted_at"], name="rx_queue_idx"),
            # A customer's prescriptions, and the gate's lookup of approved ones.
            models.Index(fields=["user", "status"], name="rx_user_status_idx"),
            models.Index(fields=["status", "valid_until"], name="rx_expiry_idx"),
            # Everything, newest first (the queue's "All" after the pending ones).
            models.Index(F("submitted_at").desc(), F("id").desc(), name="rx_newest_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    def is_expired(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == self.Status.APPROVED and self.valid_until is not None and self.valid_until < today

    @property
    def days_since_issue(self) -> int:
        return (timezone.localdate() - self.issued_on).days

    def display_status(self, today=None) -> str:
        """The status a customer sees: approved prescriptions past their date read 'Expired'."""
        return str(_("Expired")) if self.is_expired(today) else self.get_status_display()

    def display_status_code(self, today=None) -> str:
        return "expired" if self.is_expired(today) else self.status


class PrescriptionItem(models.Model):
    """A product an approved prescription covers, and how much of it is left."""

    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("catalogue.Product", on_delete=models.PROTECT, related_name="+")
    quantity_approved = models.PositiveIntegerField()
    quantity_remaining = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prescription", "product"], name="rx_item_unique_product"),
            models.CheckConstraint(
                condition=Q(quantity_remaining__lte=F("quantity_approved")), name="rx_item_remaining_lte_approved"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prescription.reference}: {self.quantity_remaining}/{self.quantity_approved}"


class Dispense(models.Model):
    """An order line and the prescription that authorised it."""

    item = models.ForeignKey(PrescriptionItem, on_delete=models.PROTECT, related_name="dispenses")
    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="dispenses")
    order_line = models.OneToOneField("order.Line", on_delete=models.PROTECT, related_name="prescription_dispense")
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.prescription.reference} -> line {self.order_line_id} x {self.quantity}"


class DispensingPolicy(models.Model):
    """A prescription-only product's own dispensing rules, edited in the dashboard.

    Isotretinoin's pregnancy prevention programme is one such policy; other
    medicines can have their own. A variant without one follows its parent's;
    a product with neither gets strict defaults (``policy.default_policy``).
    """

    product = models.OneToOneField("catalogue.Product", on_delete=models.CASCADE, related_name="dispensing_policy")
    # Zero would read as "no restriction" wherever a blank does; at least a day.
    validity_days = models.PositiveSmallIntegerField(
        _("valid for (days from date of issue)"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("The prescription can be dispensed for this many days after its date of issue."),
    )
    validity_days_if_can_become_pregnant = models.PositiveSmallIntegerField(
        _("valid for, if the patient can become pregnant (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave blank to use the general validity."),
    )
    max_supply_days = models.PositiveSmallIntegerField(
        _("most days' supply per approval"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave blank for no limit."),
    )
    units_per_pack = models.PositiveSmallIntegerField(
        _("units in a pack"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Capsules, tablets or doses in one pack, for example 30."),
    )
    max_units_per_day = models.PositiveSmallIntegerField(
        _("most units a patient may take a day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "With the units in a pack and the days' supply, this limits the packs one approval covers: "
            "for example 4 capsules of 20 mg (80 mg) a day. Leave blank only if the quantity needs no limit."
        ),
    )
    refills_allowed = models.BooleanField(
        _("refills allowed"),
        default=False,
        help_text=_("Without refills, an approval is used up by the first order that uses it."),
    )
    pregnancy_test_required = models.BooleanField(
        _("negative pregnancy test required"),
        default=False,
        help_text=_(
            "For a patient who can become pregnant, the pharmacist must record the date of a "
            "negative pregnancy test within the validity window."
        ),
    )
    risk_acknowledgement_required = models.BooleanField(
        _("customer must acknowledge the pregnancy risk"), default=False
    )

    class Meta:
        verbose_name = _("dispensing policy")
        verbose_name_plural = _("dispensing policies")

    def __str__(self) -> str:
        return f"Dispensing policy for product {self.product_id}"

    def clean(self):
        # Rules that do not hold together: a daily maximum without a pack size
        # limits nothing the gate can count (it allows no packs at all), and a
        # pregnancy window longer than the general one would never apply.
        errors = {}
        if self.max_units_per_day and not self.units_per_pack:
            errors["units_per_pack"] = _("Give the units in a pack, so the most units a day limits the packs.")
        pregnant_days = self.validity_days_if_can_become_pregnant
        if pregnant_days and self.validity_days and pregnant_days > self.validity_days:
            errors["validity_days_if_can_become_pregnant"] = _("This should not be longer than the general validity.")
        if errors:
            raise ValidationError(errors)

    def validity_window_days(self, *, can_become_pregnant: bool | None) -> int:
        # Unknown counts as "can become pregnant": the stricter window applies
        # until a pharmacist has recorded otherwise.
        if can_become_pregnant is not False and self.validity_days_if_can_become_pregnant:
            return min(self.validity_days, self.validity_days_if_can_become_pregnant)
        return self.validity_days


# The rules the pharmacist edits, in the order the dashboard shows them.
POLICY_FIELDS = (
    "validity_days",
    "validity_days_if_can_become_pregnant",
    "max_supply_days",
    "units_per_pack",
    "max_units_per_day",
    "refills_allowed",
    "pregnancy_test_required",
    "risk_acknowledgement_required",
)


def policy_values(policy: DispensingPolicy | None) -> dict | None:
    return None if policy is None else {name: getattr(policy, name) for name in POLICY_FIELDS}


class RecordedChange(AppendOnly):
    """One change to something the gate reads: who made it, when, and the values before and after."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # None: there was nothing before (the first rules of a product, a new record).
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class DispensingPolicyChange(RecordedChange):
    """The append-only history of a product's dispensing rules (``policy_values`` before and after)."""

    product = models.ForeignKey("catalogue.Product", on_delete=models.PROTECT, related_name="+")

    class Meta(RecordedChange.Meta):
        indexes = [models.Index(fields=["product", "created_at"], name="rx_policy_change_idx")]
        verbose_name = _("dispensing rule change")
        verbose_name_plural = _("dispensing rule changes")

    def __str__(self) -> str:
        return f"Rules of product {self.product_id} changed at {self.created_at:%Y-%m-%d %H:%M}"

    def differences(self) -> list[tuple[str, object, object]]:
        """(label, before, after) for each rule that changed; before is None for rules written the first time."""
        before = self.before or {}
        return [
            (DispensingPolicy._meta.get_field(name).verbose_name, before.get(name), self.after.get(name))
            for name in POLICY_FIELDS
            if name in self.after and (self.before is None or before.get(name) != self.after.get(name))
        ]


# What a product's prescription switches are: whether it needs a prescription,
# and which medicine's information (so pregnancy risk and drug class) it has.
SWITCH_FIELDS = ("requires_prescription", "drug_information")


def switch_values(product: Product) -> dict:
    """A product's switches as its history keeps them: the drug information by id and name."""
    drug = product.drug_information
    return {
        "requires_prescription": product.requires_prescription,
        "drug_information": None if drug is None else {"id": drug.pk, "name": drug.name},
    }


# A drug information record's fields, in the order the dashboard shows them,
# and the label its questions and answers have in its history.
DRUG_FIELDS = (
    "name",
    "drug_class",
    "summary",
    "pregnancy_risk",
    "pregnancy_warning",
    "how_it_works",
    "how_to_use",
    "common_side_effects",
    "serious_side_effects",
    "pregnancy_and_breastfeeding",
    "who_must_not_take",
    "interactions",
    "monitoring",
    "sources",
    "last_reviewed_on",
    "reviewed_by",
)
QUESTIONS_KEY = "questions"


def drug_values(drug: DrugInformation | None) -> dict | None:
    """A drug information record as its history keeps it (JSON: dates as ISO text), questions included."""
    if drug is None or drug.pk is None:
        return None
    values = {name: getattr(drug, name) for name in DRUG_FIELDS}
    values["last_reviewed_on"] = values["last_reviewed_on"].isoformat() if values["last_reviewed_on"] else None
    values[QUESTIONS_KEY] = [
        {"question": q.question, "answer": q.answer, "position": q.position} for q in drug.questions.all()
    ]
    return values


class Difference(NamedTuple):
    label: str
    before: object
    after: object


def _shown(model, name: str, value):
    """A kept value as staff read it: a choice by its label, drug information by its name, questions as text."""
    if value is None:
        return None
    if name == QUESTIONS_KEY:
        return "\n\n".join(f"{q['question']}\n{q['answer']}" for q in value)
    if name == "drug_information":
        return value["name"]
    field = model._meta.get_field(name)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    return value


def _differences(model, names, labels, before: dict | None, after: dict) -> list[Difference]:
    before_values = before or {}
    return [
        Difference(
            labels.get(name) or model._meta.get_field(name).verbose_name,
            _shown(model, name, before_values.get(name)) if before is not None else None,
            _shown(model, name, after.get(name)),
        )
        for name in names
        if name in after and (before is None or before_values.get(name) != after.get(name))
    ]


class ProductSwitchChange(RecordedChange):
    """The append-only history of a product's prescription switches (``switch_values`` before and after)."""

    product = models.ForeignKey("catalogue.Product", on_delete=models.PROTECT, related_name="+")

    class Meta(RecordedChange.Meta):
        indexes = [models.Index(fields=["product", "created_at"], name="rx_switch_change_idx")]
        verbose_name = _("prescription switch change")
        verbose_name_plural = _("prescription switch changes")

    def __str__(self) -> str:
        return f"Switches of product {self.product_id} changed at {self.created_at:%Y-%m-%d %H:%M}"

    def differences(self) -> list[Difference]:
        return _differences(Product, SWITCH_FIELDS, {}, self.before, self.after)


class DrugInformationChange(RecordedChange):
    """The append-only history of a medicine's information (``drug_values`` before and after)."""

    drug = models.ForeignKey(DrugInformation, on_delete=models.PROTECT, related_name="+")

    class Meta(RecordedChange.Meta):
        indexes = [models.Index(fields=["drug", "created_at"], name="rx_drug_change_idx")]
        verbose_name = _("drug information change")
        verbose_name_plural = _("drug information changes")

    def __str__(self) -> str:
        return f"Drug information {self.drug_id} changed at {self.created_at:%Y-%m-%d %H:%M}"

    def differences(self) -> list[Difference]:
        labels = {QUESTIONS_KEY: _("questions and answers")}
        return _differences(DrugInformation, (*DRUG_FIELDS, QUESTIONS_KEY), labels, self.before, self.after)


def warning_fingerprint(text: str) -> str:
    """The SHA-256 of a warning's words: re-wrapping the text keeps it, any change of wording does not."""
    return hashlib.sha256(" ".join((text or "").split()).encode()).hexdigest()


class RiskAcknowledgement(models.Model):
    """A customer ticked the box beside a medicine's pregnancy warning.

    One row per acknowledgement, kept: when the warning's wording changes, or
    the last acknowledgement lapses (``policy.acknowledgement_problem``),
    the customer is asked again and a new row records it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("catalogue.Product", on_delete=models.CASCADE, related_name="+")
    acknowledged_at = models.DateTimeField(default=timezone.now)
    # The warning text the customer saw, so a later edit does not rewrite history.
    warning_text = models.TextField()
    # ``warning_fingerprint(warning_text)``: compared with the current warning's.
    warning_sha256 = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["user", "product", "acknowledged_at"], name="rx_ack_latest_idx")]

    def __str__(self) -> str:
        return f"User {self.user_id} acknowledged product {self.product_id}"

    def save(self, *args, **kwargs):
        self.warning_sha256 = warning_fingerprint(self.warning_text)
        super().save(*args, **kwargs)


class PrescriptionEvent(AppendOnly):
    """The append-only audit trail: every decision, and every time staff open a file."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RESUBMIT_REQUESTED = "resubmit", _("Clearer upload requested")
        REVOKED = "revoked", _("Revoked")
        DISPENSED = "dispensed", _("Dispensed against an order")
        SUPPLIED = "supplied", _("Supplied by a pharmacist (batch and expiry recorded)")
        FILE_VIEWED = "file_viewed", _("File viewed by staff")
        REMINDER_SENT = "reminder_sent", _("Expiry reminder sent")
        ERASED = "erased", _("File and patient details deleted (retention period over)")

    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    reason = models.TextField(blank=True)
    checklist = models.JSONField(default=dict, blank=True)
    # The terms of an approval: products and quantities, valid until, days'
    # supply, whether the patient can become pregnant, the pregnancy test date.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["prescription", "created_at"], name="rx_event_idx")]
        verbose_name = _("prescription event")
        verbose_name_plural = _("prescription events")

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.prescription_id})"


class NoticeCopy(models.Model):
    """A stored copy of an email or on-site notice about a prescription (Oscar keeps both per user).

    Their text holds the medicines and the pharmacist's reasons, so the
    retention rule deletes them with the prescription's details; this link is
    how it finds them even when the shop has reworded the messages.
    """

    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="+")
    email = models.ForeignKey("communication.Email", on_delete=models.CASCADE, null=True, related_name="+")
    notification = models.ForeignKey(
        "communication.Notification", on_delete=models.CASCADE, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False, notification__isnull=True)
                | Q(email__isnull=True, notification__isnull=False),
                name="rx_notice_copy_one_kind",
            )
        ]

    def __str__(self) -> str:
        return f"Copy of a message about prescription {self.prescription_id}"


class SupplyRecord(AppendOnly):
    """The supply register: a pharmacist's final check of one prescription line before it leaves.

    Besides the batch and expiry of what went out, it keeps a copy of what an
    inspector asks for (medicine, quantity, prescriber, date of the
    prescription, patient and address) as it was at the time of supply, so a
    later edit of the order or the erasure of the prescription's file under
    the retention rule does not rewrite it.
    """

    order_line = models.OneToOneField("order.Line", on_delete=models.PROTECT, related_name="supply_record")
    dispense = models.OneToOneField(Dispense, on_delete=models.PROTECT, related_name="supply_record")
    product = models.ForeignKey("catalogue.Product", on_delete=models.PROTECT, related_name="+")
    batch_number = models.CharField(_("batch number"), max_length=40)
    expiry_date = models.DateField(_("expiry date"))
    pharmacist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    order_number = models.CharField(max_length=128)
    medicine_name = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField()
    prescription_reference = models.CharField(max_length=12)
    prescriber_name = models.CharField(max_length=120)
    prescriber_registration = models.CharField(max_length=20)
    prescription_issued_on = models.DateField()
    patient_name = models.CharField(max_length=120)
    patient_address = models.TextField()
    pharmacist_name = models.CharField(max_length=255)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["created_at", "product"], name="rx_supply_register_idx")]
        verbose_name = _("supply record")
        verbose_name_plural = _("supply records")

    def __str__(self) -> str:
        return f"Line {self.order_line_id}: batch {self.batch_number}, expires {self.expiry_date}"


class Interaction(models.Model):
    """Two classes of medicine that must not be ordered together.

    Drug classes are the codes on ``catalogue.DrugInformation.drug_class``.
    """

    first_class = models.SlugField(_("drug class"), max_length=64, choices=DrugInformation.DrugClass.choices)
    second_class = models.SlugField(_("other drug class"), max_length=64, choices=DrugInformation.DrugClass.choices)
    explanation = models.TextField(
        _("explanation"), help_text=_("Shown to the customer at checkout and to the pharmacist on review.")
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["first_class", "second_class"], name="rx_interaction_unique")]

    def __str__(self) -> str:
        return f"{self.first_class} + {self.second_class}"
