from django.views.generic import TemplateView
from oscar.apps.catalogue import views

from catalogue.selectors import category_tree, featured_products, products_for_detail


class ProductDetailView(views.ProductDetailView):
    def get_queryset(self):
        return products_for_detail()


class HomeView(TemplateView):
    template_name = "shop/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["categories"] = category_tree()
        ctx["products"] = featured_products()
        return ctx
