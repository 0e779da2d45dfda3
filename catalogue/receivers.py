"""Keep cached catalogue data honest: drop it when what it was built from changes.

Dropped at once, so this very process sees the change, and again after the
commit, in case another request cached the old state in between.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from oscar.core.loading import get_model

from catalogue.selectors import NAVIGATION_CACHE_KEY, new_listing_version

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductImage = get_model("catalogue", "ProductImage")


def now_and_after_commit(forget) -> None:
    forget()
    transaction.on_commit(forget)


def forget_navigation() -> None:
    cache.delete(NAVIGATION_CACHE_KEY)
    new_listing_version()


@receiver([post_save, post_delete], sender=Category)
def category_changed(sender, **kwargs):
    now_and_after_commit(forget_navigation)


@receiver([post_save, post_delete], sender=Product)
@receiver([post_save, post_delete], sender=ProductCategory)
@receiver([post_save, post_delete], sender=ProductImage)
def listing_changed(sender, **kwargs):
    now_and_after_commit(new_listing_version)


@receiver(m2m_changed, sender=Product.categories.through)
def products_recategorised(sender, action, **kwargs):
    if action.startswith("post_"):
        now_and_after_commit(new_listing_version)
