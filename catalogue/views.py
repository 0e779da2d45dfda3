from django.views.generic import TemplateView
from oscar.apps.catalogue import views

from catalogue.selectors import category_tree, featured_products, products_for_detail


class ProductDetailView(views.ProductDetailView):
    def get_queryset(self):
        return products_for_detail()

    def get_context_data(self, **kwargs):
        ctx = super(views.ProductDetailView, self).get_context_data(**kwargs)
        # The "tell me when it is back" form only matters when it is out of stock.
        purchase_info = self.request.strategy.fetch_for_product(self.object)
        if not purchase_info.availability.is_available_to_buy:
            ctx["alert_form"] = self.get_alert_form()
            ctx["has_active_alert"] = self.get_alert_status()
        return ctx


class HomeView(TemplateView):
    template_name = "shop/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["categories"] = category_tree()
        ctx["products"] = featured_products()
        return ctx
