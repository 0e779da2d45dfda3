"""Keep the product search index in step with the catalogue.

The index is a denormalised copy of catalogue data, so every write that can
change what a product's index row says re-indexes that product, inside the
same transaction. Bulk loads that bypass signals call ``rebuild_index``.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from oscar.core.loading import get_model

from search.index import index_changed, index_products, unindex_products

Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
Category = get_model("catalogue", "Category")
DrugInformation = get_model("catalogue", "DrugInformation")


@receiver(post_save, sender=Product)
def reindex_saved_product(sender, instance, raw=False, **kwargs):
    if raw:
        return
    index_products([instance.parent_id or instance.pk])


@receiver(post_delete, sender=Product)
def unindex_deleted_product(sender, instance, **kwargs):
    unindex_products([instance.pk])


@receiver([post_save, post_delete], sender=ProductCategory)
def reindex_recategorised_product(sender, instance, raw=False, **kwargs):
    if not raw:
        index_products([instance.product_id])


@receiver(m2m_changed, sender=Product.categories.through)
def reindex_products_after_category_links_change(sender, instance, action, reverse, pk_set, **kwargs):
    # ``product.categories.add()`` bulk-creates the links without post_save.
    if reverse and action == "pre_clear":
        # After a category's links are cleared they can no longer be listed.
        instance._products_before_clear = list(instance.product_set.values_list("pk", flat=True))
    elif action in ("post_add", "post_remove", "post_clear"):
        if not reverse:
            index_products([instance.pk])
        elif action == "post_clear":
            index_products(getattr(instance, "_products_before_clear", []))
        else:
            index_products(list(pk_set or ()))


@receiver(post_save, sender=Category)
def reindex_category_products(sender, instance, raw=False, created=False, **kwargs):
    if raw or created:
        return
    index_products(list(instance.product_set.values_list("pk", flat=True)))


@receiver(post_save, sender=DrugInformation)
def reindex_drug_products(sender, instance, raw=False, **kwargs):
    if not raw:
        index_products(list(instance.products.values_list("pk", flat=True)))


@receiver([post_save, post_delete], sender=get_model("search", "Synonym"))
def forget_rankings_read_with_old_synonyms(sender, instance, raw=False, **kwargs):
    if not raw:
        index_changed()
