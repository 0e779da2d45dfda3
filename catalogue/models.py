from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from oscar.apps.catalogue.abstract_models import AbstractProduct


class DrugInformation(models.Model):
    """Patient information for one medicine, shared by all its strengths and packs.

    Each section is plain text written by the shop's pharmacists: blank lines
    separate paragraphs and lines starting with "- " become bullet points
    (see ``catalogue.templatetags.drug_information``). Staff never enter HTML,
    so nothing they type can break or script the product page.
    """

    class PregnancyRisk(models.TextChoices):
        NONE_KNOWN = "none", _("No special warning")
        CAUTION = "caution", _("Ask a doctor or pharmacist first")
        CONTRAINDICATED = "contraindicated", _("Must not be used in pregnancy")

    class DrugClass(models.TextChoices):
        # The codes the interaction rules (prescriptions.Interaction) compare. A
        # closed list: a free-typed "tetracyclines" would silently match no rule.
        ORAL_RETINOID = "oral-retinoid", _("Oral retinoid (isotretinoin, acitretin)")
        TOPICAL_RETINOID = "topical-retinoid", _("Topical retinoid (tretinoin, adapalene)")
        TETRACYCLINE = "tetracycline", _("Tetracycline antibiotic (doxycycline, minocycline, lymecycline)")
        VITAMIN_A = "vitamin-a", _("Vitamin A supplement")
        TOPICAL_ANTIBIOTIC = "topical-antibiotic", _("Topical antibiotic (clindamycin, erythromycin)")
        TOPICAL_ANTISEPTIC = "topical-antiseptic", _("Topical antiseptic (benzoyl peroxide)")

    name = models.CharField(_("generic name"), max_length=128, unique=True)
    drug_class = models.SlugField(
        _("drug class"),
        max_length=64,
        blank=True,
        choices=DrugClass.choices,
        help_text=_("Interaction checks compare drug classes; leave blank when none applies."),
    )
    summary = models.TextField(_("summary"), help_text=_("One or two sentences shown first."))
    how_it_works = models.TextField(_("what it is and how it works"))
    how_to_use = models.TextField(_("how to use it safely"))
    common_side_effects = models.TextField(_("common side effects"))
    serious_side_effects = models.TextField(_("serious side effects and when to get help"))
    pregnancy_risk = models.CharField(
        _("pregnancy risk"),
        max_length=16,
        choices=PregnancyRisk.choices,
        default=PregnancyRisk.NONE_KNOWN,
    )
    pregnancy_warning = models.TextField(
        _("pregnancy warning"),
        blank=True,
        help_text=_(
            "Short, direct text shown in a highlighted box near the top of the page "
            "when the medicine must not be used in pregnancy."
        ),
    )
    pregnancy_and_breastfeeding = models.TextField(_("pregnancy and breastfeeding"))
    who_must_not_take = models.TextField(_("who must not take it"))
    interactions = models.TextField(_("interactions"))
    monitoring = models.TextField(_("monitoring and blood tests"), blank=True)
    sources = models.TextField(_("sources"), blank=True)
    last_reviewed_on = models.DateField(_("last reviewed on"))
    reviewed_by = models.CharField(_("reviewed by"), max_length=128)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("drug information")
        verbose_name_plural = _("drug information")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        # The box at the top of the page, and what customers acknowledge before
        # ordering, is this text: a contraindicated medicine cannot go without it.
        if self.pregnancy_risk == self.PregnancyRisk.CONTRAINDICATED and not (self.pregnancy_warning or "").strip():
            raise ValidationError(
                {
                    "pregnancy_warning": _(
                        "A medicine that must not be used in pregnancy needs the warning text shown at the top "
                        "of its page."
                    )
                }
            )

    @property
    def has_prominent_pregnancy_warning(self) -> bool:
        return self.pregnancy_risk == self.PregnancyRisk.CONTRAINDICATED

    def sections(self) -> list[tuple[str, str, str]]:
        """The body sections in reading order, as (anchor, heading, text)."""
        names = [
            "how_it_works",
            "how_to_use",
            "common_side_effects",
            "serious_side_effects",
            "pregnancy_and_breastfeeding",
            "who_must_not_take",
            "interactions",
            "monitoring",
        ]
        return [
            (name.replace("_", "-"), self._meta.get_field(name).verbose_name, getattr(self, name))
            for name in names
            if getattr(self, name)
        ]


class DrugQuestion(models.Model):
    drug = models.ForeignKey(DrugInformation, on_delete=models.CASCADE, related_name="questions")
    question = models.CharField(_("question"), max_length=255)
    answer = models.TextField(_("answer"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["drug", "position", "id"]
        verbose_name = _("frequently asked question")

    def __str__(self) -> str:
        return self.question


class Product(AbstractProduct):
    requires_prescription = models.BooleanField(
        _("prescription only"),
        default=False,
        db_index=True,
        help_text=_(
            "Customers may add it to the basket, but cannot order it until a pharmacist "
            "has approved a prescription that covers it."
        ),
    )
    drug_information = models.ForeignKey(
        DrugInformation,
        verbose_name=_("drug information"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
    )

    class Meta(AbstractProduct.Meta):
        indexes = [
            # The listings walk browsable products in these orders and stop
            # after a page; partial indexes keep that a short walk at any size.
            models.Index(
                F("date_created").desc(),
                F("id").desc(),
                name="product_browse_newest",
                condition=Q(is_public=True, parent__isnull=True),
            ),
            models.Index("title", "id", name="product_browse_title", condition=Q(is_public=True, parent__isnull=True)),
        ]


from oscar.apps.catalogue.models import *  # noqa: E402
