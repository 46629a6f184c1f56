import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import plugins
from core.tables import StaffTable
from customers.models import Customer
from customers.templatetags.customer_badges import tag_badges

# The bulk-action form of the list (customers/list_bulk_form.html); the row
# checkboxes belong to it through their ``form`` attribute.
BULK_FORM_ID = "customer-bulk"


class CustomerTable(StaffTable):
    selected = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th__input": {
                "data-select-all": BULK_FORM_ID,
                "aria-label": _("Select all on this page"),
                "form": BULK_FORM_ID,
            }
        },
    )
    name = tables.Column(
        verbose_name=_("Name"),
        accessor="last_name",
        order_by=("last_name", "first_name", "id"),
        linkify=("customers:card", {"pk": tables.A("pk")}),
    )
    email = tables.EmailColumn(verbose_name=_("E-mail"))
    phone = tables.Column(
        verbose_name=_("Phone"),
        orderable=False,
        attrs={"td": {"class": "nowrap"}},  # "+39 022 5633582" on one line
    )
    login = tables.BooleanColumn(
        verbose_name=_("Login"), accessor="user__is_active", orderable=False
    )
    tags = tables.Column(
        verbose_name=_("Tags"), accessor="pk", orderable=False, empty_values=()
    )
    created_at = tables.DateTimeColumn(
        verbose_name=_("Registered"), format="SHORT_DATE_FORMAT"
    )

    class Meta(StaffTable.Meta):
        model = Customer
        fields = ("selected", "name", "email", "phone", "login", "tags", "created_at")
        order_by = ("-created_at",)

    def __init__(self, *args, selected_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.selected_ids = {str(pk) for pk in selected_ids}

    def render_name(self, record):
        return record.full_name or "—"

    def render_selected(self, value, record):
        return format_html(
            '<input type="checkbox" name="selected" value="{}" form="{}"'
            ' aria-label="{}"{}>',
            value,
            BULK_FORM_ID,
            record.full_name or record.email,
            " checked" if str(value) in self.selected_ids else "",
        )

    def render_tags(self, record):
        # Prefetched by the list's selector: no query per row.
        return tag_badges(record.tags.all())


def customer_table_class(user) -> type[CustomerTable]:
    """The customer table with the columns that apps registered for this user."""
    extra = {
        entry.key: entry.make_column()
        for entry in plugins.customer_columns.visible_to(user)
    }
    if not extra:
        return CustomerTable
    meta = type(
        "Meta",
        (CustomerTable.Meta,),
        {"sequence": (*CustomerTable.Meta.fields, *extra.keys())},
    )
    return type("PluggedCustomerTable", (CustomerTable,), {**extra, "Meta": meta})
