"""{% inbox_result_list cl %}: the admin's {% result_list cl %}, its rows made by admin_rows."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from ..admin_rows import result_list

register = template.Library()


@register.tag(name="inbox_result_list")
def inbox_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
