"""The card's Marketing tab and the settings pages for tags and lists."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from customers.models import CustomerEvent, NewsletterList, Subscription, Tag
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer_client(client):
    viewer = StaffFactory()
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_customer"),
        Permission.objects.get(codename="view_tag"),
        Permission.objects.get(codename="view_newsletterlist"),
    )
    client.force_login(viewer)
    return client


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


def marketing_url(customer, rest=""):
    return f"/staff/customers/{customer.pk}/marketing/{rest}"


def test_marketing_tab_shows_lists_with_when_and_how_and_tags(staff_client, staff_user):
    customer = CustomerFactory()
    news = NewsletterList.objects.create(name="News")
    offers = NewsletterList.objects.create(name="Offers")
    Subscription.objects.create(
        customer=customer,
        newsletter_list=news,
        subscribed_at=timezone.now(),
        source=Subscription.Source.SIGNUP,
    )
    Subscription.objects.create(
        customer=customer,
        newsletter_list=offers,
        subscribed_at=timezone.now(),
        unsubscribed_at=timezone.now(),
        source=Subscription.Source.STAFF,
        changed_by=staff_user,
    )
    customer.tags.add(Tag.objects.create(name="<i>VIP</i>", colour="#111111"))

    response = staff_client.get(marketing_url(customer))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["active_tab"] == "marketing"
    assert "At sign-up" in html and "By staff" in html
    assert "Unsubscribed" in html
    assert str(staff_user) in html
    assert "&lt;i&gt;VIP&lt;/i&gt;" in html and "<i>VIP</i>" not in html
    assert 'data-text-colour="#ffffff"' in html  # light text on a dark tag


def test_marketing_tabs_come_in_order(staff_client):
    customer = CustomerFactory()
    tabs = [
        tab.key for tab in staff_client.get(marketing_url(customer)).context["tabs"]
    ]
    assert tabs.index("personal") < tabs.index("billing") < tabs.index("marketing")


def test_marketing_add_and_remove_a_tag(staff_client, staff_user):
    customer = CustomerFactory()
    tag = Tag.objects.create(name="Hot lead")

    response = staff_client.post(marketing_url(customer, "tags/add/"), {"tag": tag.pk})
    assert response.status_code == 302
    assert list(customer.tags.all()) == [tag]
    event = CustomerEvent.objects.get(customer=customer, kind="tag_added")
    assert (event.detail, event.actor) == ("Hot lead", staff_user)

    response = staff_client.post(marketing_url(customer, f"tags/{tag.pk}/remove/"))
    assert response.status_code == 302
    assert not customer.tags.exists()
    assert CustomerEvent.objects.filter(customer=customer, kind="tag_removed").exists()


@pytest.mark.parametrize("value", ["", "999999", "abc"])
def test_marketing_add_an_unknown_tag_is_refused_next_to_the_field(staff_client, value):
    customer = CustomerFactory()

    response = staff_client.post(marketing_url(customer, "tags/add/"), {"tag": value})

    assert response.status_code == 400
    assert "tag" in response.context["tag_form"].errors
    assert 'class="field-error"' in response.content.decode()
    assert not customer.tags.exists()


def test_marketing_subscribe_and_unsubscribe(staff_client, staff_user):
    customer = CustomerFactory()
    news = NewsletterList.objects.create(name="News")

    staff_client.post(
        marketing_url(customer, "lists/subscribe/"), {"newsletter_list": news.pk}
    )
    subscription = Subscription.objects.get(customer=customer)
    assert subscription.is_active
    assert subscription.source == "staff"
    assert subscription.changed_by == staff_user

    staff_client.post(marketing_url(customer, f"lists/{news.pk}/unsubscribe/"))
    subscription.refresh_from_db()
    assert not subscription.is_active
    kinds = set(CustomerEvent.objects.values_list("kind", flat=True))
    assert kinds == {"subscribed", "unsubscribed"}


def test_marketing_subscribe_to_an_archived_list_is_refused(staff_client):
    customer = CustomerFactory()
    archived = NewsletterList.objects.create(name="Old", archived=True)

    response = staff_client.post(
        marketing_url(customer, "lists/subscribe/"), {"newsletter_list": archived.pk}
    )

    assert response.status_code == 400
    assert "newsletter_list" in response.context["list_form"].errors
    assert not Subscription.objects.exists()


def test_marketing_newsletter_consent_toggle(staff_client):
    customer = CustomerFactory(newsletter_subscribed=False)

    staff_client.post(marketing_url(customer, "newsletter/"), {"subscribed": "1"})
    customer.refresh_from_db()
    assert customer.newsletter_subscribed
    staff_client.post(marketing_url(customer, "newsletter/"), {"subscribed": "0"})
    customer.refresh_from_db()
    assert not customer.newsletter_subscribed
    assert list(
        CustomerEvent.objects.order_by("id").values_list("kind", flat=True)
    ) == ["subscribed", "unsubscribed"]

    response = staff_client.post(
        marketing_url(customer, "newsletter/"), {"subscribed": "maybe"}
    )
    assert response.status_code == 400
    customer.refresh_from_db()
    assert not customer.newsletter_subscribed


def test_marketing_changes_need_change_permission(viewer_client):
    customer = CustomerFactory()
    tag = Tag.objects.create(name="VIP")
    news = NewsletterList.objects.create(name="News")

    page = viewer_client.get(marketing_url(customer))
    assert page.status_code == 200
    assert "tags/add/" not in page.content.decode()
    for rest, data in [
        ("tags/add/", {"tag": tag.pk}),
        (f"tags/{tag.pk}/remove/", {}),
        ("lists/subscribe/", {"newsletter_list": news.pk}),
        (f"lists/{news.pk}/unsubscribe/", {}),
        ("newsletter/", {"subscribed": "1"}),
    ]:
        assert (
            viewer_client.post(marketing_url(customer, rest), data).status_code == 403
        )
    assert not customer.tags.exists()
    assert not Subscription.objects.exists()


def test_marketing_unknown_customer_or_tag_is_404(staff_client):
    customer = CustomerFactory()
    assert staff_client.get("/staff/customers/999999/marketing/").status_code == 404
    response = staff_client.post(marketing_url(customer, "tags/999999/remove/"))
    assert response.status_code == 404


# Settings


def test_settings_index_lists_the_pages_the_user_may_see(manager_client, client):
    html = manager_client.get("/staff/settings/").content.decode()
    assert "/staff/settings/customers/tags/" in html
    assert "/staff/settings/customers/lists/" in html

    plain = StaffFactory()
    client.force_login(plain)
    response = client.get("/staff/settings/")
    assert response.status_code == 200
    assert "/staff/settings/customers/tags/" not in response.content.decode()


def test_settings_menu_entry_is_in_the_staff_menu(manager_client):
    html = manager_client.get("/staff/").content.decode()
    assert 'href="/staff/settings/"' in html


def test_tag_settings_add_rename_recolour_and_delete(manager_client):
    response = manager_client.post(
        "/staff/settings/customers/tags/", {"name": "  VIP  ", "colour": "#ff0000"}
    )
    assert response.status_code == 302
    tag = Tag.objects.get()
    assert (tag.name, tag.colour) == ("VIP", "#ff0000")

    response = manager_client.post(
        f"/staff/settings/customers/tags/{tag.pk}/",
        {"name": "Very important", "colour": "#00aa00"},
    )
    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.colour) == ("Very important", "#00aa00")

    customer = CustomerFactory()
    customer.tags.add(tag)
    confirm = manager_client.get(f"/staff/settings/customers/tags/{tag.pk}/delete/")
    assert "is on 1 customer" in confirm.content.decode()
    response = manager_client.post(f"/staff/settings/customers/tags/{tag.pk}/delete/")
    assert response.status_code == 302
    assert not Tag.objects.exists()
    assert not customer.tags.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "vip", "colour": "#ff0000"}, "name", "already exists"),
        ({"name": "   ", "colour": "#ff0000"}, "name", ""),
        ({"name": "New", "colour": "red"}, "colour", "#"),
        ({"name": "x" * 61, "colour": "#ff0000"}, "name", "at most 60"),
    ],
)
def test_tag_settings_bad_input_is_refused_next_to_the_field(
    manager_client, data, field, message
):
    Tag.objects.create(name="VIP")

    response = manager_client.post("/staff/settings/customers/tags/", data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert message in " ".join(response.context["form"].errors[field])
    assert Tag.objects.count() == 1


def test_tag_rename_to_an_existing_name_is_refused(manager_client):
    Tag.objects.create(name="VIP")
    other = Tag.objects.create(name="Hot")

    response = manager_client.post(
        f"/staff/settings/customers/tags/{other.pk}/",
        {"name": "VIP", "colour": "#000000"},
    )

    assert response.status_code == 400
    assert "already exists" in " ".join(response.context["form"].errors["name"])
    other.refresh_from_db()
    assert other.name == "Hot"


def test_list_settings_add_rename_archive_and_restore(manager_client):
    manager_client.post(
        "/staff/settings/customers/lists/", {"name": "News", "description": "Weekly"}
    )
    news = NewsletterList.objects.get()
    assert news.description == "Weekly"

    manager_client.post(
        f"/staff/settings/customers/lists/{news.pk}/",
        {"name": "Weekly news", "description": ""},
    )
    news.refresh_from_db()
    assert news.name == "Weekly news"

    manager_client.post(f"/staff/settings/customers/lists/{news.pk}/archive/")
    news.refresh_from_db()
    assert news.archived
    manager_client.post(
        f"/staff/settings/customers/lists/{news.pk}/archive/", {"archived": "0"}
    )
    news.refresh_from_db()
    assert not news.archived


def test_list_settings_duplicate_name_is_refused(manager_client):
    NewsletterList.objects.create(name="News")
    response = manager_client.post("/staff/settings/customers/lists/", {"name": "NEWS"})
    assert response.status_code == 400
    assert "already exists" in " ".join(response.context["form"].errors["name"])
    assert NewsletterList.objects.count() == 1


def test_settings_pages_are_readable_but_not_writable_for_staff(staff_client):
    tag = Tag.objects.create(name="VIP")
    news = NewsletterList.objects.create(name="News")

    assert staff_client.get("/staff/settings/customers/tags/").status_code == 200
    assert staff_client.get("/staff/settings/customers/lists/").status_code == 200
    for url, data in [
        ("/staff/settings/customers/tags/", {"name": "New", "colour": "#000000"}),
        (
            f"/staff/settings/customers/tags/{tag.pk}/",
            {"name": "X", "colour": "#000000"},
        ),
        (f"/staff/settings/customers/tags/{tag.pk}/delete/", {}),
        ("/staff/settings/customers/lists/", {"name": "New"}),
        (f"/staff/settings/customers/lists/{news.pk}/", {"name": "X"}),
        (f"/staff/settings/customers/lists/{news.pk}/archive/", {}),
    ]:
        assert staff_client.post(url, data).status_code == 403, url
    assert (
        staff_client.get(f"/staff/settings/customers/tags/{tag.pk}/delete/").status_code
        == 403
    )
    tag.refresh_from_db()
    news.refresh_from_db()
    assert (tag.name, news.name, news.archived) == ("VIP", "News", False)


@pytest.mark.parametrize(
    ("codename", "url", "data"),
    [
        (
            "add_tag",
            "/staff/settings/customers/tags/",
            {"name": "A", "colour": "#000000"},
        ),
        (
            "change_tag",
            "/staff/settings/customers/tags/{tag}/",
            {"name": "B", "colour": "#000000"},
        ),
        ("delete_tag", "/staff/settings/customers/tags/{tag}/delete/", {}),
        ("add_newsletterlist", "/staff/settings/customers/lists/", {"name": "L"}),
        (
            "change_newsletterlist",
            "/staff/settings/customers/lists/{list}/",
            {"name": "M"},
        ),
        (
            "change_newsletterlist",
            "/staff/settings/customers/lists/{list}/archive/",
            {},
        ),
    ],
)
def test_settings_each_action_needs_its_own_permission(client, codename, url, data):
    tag = Tag.objects.create(name="VIP")
    news = NewsletterList.objects.create(name="News")
    url = url.format(tag=tag.pk, list=news.pk)
    user = StaffFactory()
    user.user_permissions.add(
        Permission.objects.get(codename="view_tag"),
        Permission.objects.get(codename="view_newsletterlist"),
    )
    client.force_login(user)
    assert client.post(url, data).status_code == 403

    user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)  # fresh permission cache
    assert client.post(url, data).status_code == 302


def test_settings_unknown_ids_are_404(manager_client):
    assert manager_client.get("/staff/settings/customers/tags/999/").status_code == 404
    assert (
        manager_client.post("/staff/settings/customers/lists/999/archive/").status_code
        == 404
    )
