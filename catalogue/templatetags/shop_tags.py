from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from catalogue import fragments
from catalogue.selectors import category_tree

register = template.Library()


@register.simple_tag
def navigation_categories():
    return category_tree()


@register.filter
def drug_text(text: str) -> SafeString:
    """Render drug-information text: blank lines split paragraphs, "- " starts a bullet.

    Everything is escaped, so staff write plain text and never HTML.
    """
    blocks = [block.strip() for block in (text or "").replace("\r\n", "\n").split("\n\n")]
    html = []
    for block in filter(None, blocks):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        bullets = [line[2:] for line in lines if line.startswith("- ")]
        prose = [line for line in lines if not line.startswith("- ")]
        if prose:
            html.append(format_html("<p>{}</p>", " ".join(prose)))
        if bullets:
            html.append(format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((b,) for b in bullets))))
    return SafeString("".join(html))


@register.simple_tag(takes_context=True)
def product_tiles(context, products):
    return fragments.product_tiles(products, context["request"])


@register.simple_tag
def drug_information_section(drug):
    return fragments.drug_information_html(drug)
