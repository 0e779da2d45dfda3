from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from oscar.core.loading import get_model

from catalogue.selectors import NAVIGATION_CACHE_KEY

Category = get_model("catalogue", "Category")


@receiver([post_save, post_delete], sender=Category)
def forget_navigation(sender, **kwargs):
    # After the commit, so no request can cache the old tree under the fresh key.
    transaction.on_commit(lambda: cache.delete(NAVIGATION_CACHE_KEY))
