"""The card's Billing and shipping tab, and the avatar."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from PIL import Image

from customers.models import CustomerEvent, ShippingAddress
from customers.services import avatar as avatar_services
from customers.services import billing
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def viewer_client(client):
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(viewer)
    return client


def address_data(**overrides):
    return {
        "label": "Home",
        "recipient": "Giulia Bianchi",
        "address": "Via Roma 1",
        "postal_code": "00100",
        "city": "Roma",
        "region": "Lazio",
        "country": "it",
        "phone": "",
        **overrides,
    }


def defaults(customer):
    return list(
        ShippingAddress.objects.filter(customer=customer, is_default=True).values_list(
            "label", flat=True
        )
    )


# Billing data


def test_billing_tab_saves_billing_data(staff_client):
    customer = CustomerFactory()

    response = staff_client.post(
        f"/staff/customers/{customer.pk}/billing/",
        {
            "company_name": "Bianchi S.r.l.",
            "vat_number": "IT01234567890",
            "fiscal_code": "BNCGLI90E57H501X",
            "billing_address": "Via Po 2",
            "billing_postal_code": "10100",
            "billing_city": "Torino",
            "billing_region": "Piemonte",
            "billing_country": "it",
        },
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.company_name == "Bianchi S.r.l."
    assert customer.billing_country == "IT"
    assert customer.billing_city == "Torino"


def test_billing_tab_bad_country_is_refused_next_to_the_field(staff_client):
    customer = CustomerFactory(company_name="Old")

    response = staff_client.post(
        f"/staff/customers/{customer.pk}/billing/",
        {"company_name": "New", "billing_country": "Italia"},
    )

    assert response.status_code == 400
    assert "billing_country" in response.context["form"].errors
    assert "two-letter" in response.content.decode()
    assert "Use the two-letter country code" in str(response.context["form"].errors)
    customer.refresh_from_db()
    assert customer.company_name == "Old"


def test_billing_tab_is_read_only_without_change_permission(viewer_client):
    customer = CustomerFactory(company_name="<b>ACME</b>")

    page = viewer_client.get(f"/staff/customers/{customer.pk}/billing/")
    assert page.status_code == 200
    assert "&lt;b&gt;ACME&lt;/b&gt;" in page.content.decode()
    assert '<form method="post" action="/staff/customers/' not in page.content.decode()

    response = viewer_client.post(
        f"/staff/customers/{customer.pk}/billing/", {"company_name": "Changed"}
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.company_name == "<b>ACME</b>"


# Shipping addresses


def test_first_shipping_address_becomes_the_default():
    customer = CustomerFactory()

    first = billing.shipping_address_create(customer=customer, **address_data())
    second = billing.shipping_address_create(
        customer=customer, **address_data(label="Office")
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_default and not second.is_default
    assert first.country == "IT"


def test_making_another_address_default_unsets_the_previous():
    customer = CustomerFactory()
    billing.shipping_address_create(customer=customer, **address_data())
    office = billing.shipping_address_create(
        customer=customer, **address_data(label="Office")
    )

    billing.shipping_address_set_default(shipping_address=office)

    assert defaults(customer) == ["Office"]
    billing.shipping_address_create(
        customer=customer, make_default=True, **address_data(label="Beach")
    )
    assert defaults(customer) == ["Beach"]


def test_database_refuses_two_default_addresses():
    customer = CustomerFactory()
    billing.shipping_address_create(customer=customer, **address_data())
    with pytest.raises(IntegrityError), transaction.atomic():
        ShippingAddress.objects.create(
            customer=customer, address="X", city="Y", is_default=True
        )


def test_deleting_the_default_address_hands_it_to_the_oldest_left():
    customer = CustomerFactory()
    home = billing.shipping_address_create(customer=customer, **address_data())
    billing.shipping_address_create(customer=customer, **address_data(label="Office"))
    billing.shipping_address_create(customer=customer, **address_data(label="Beach"))

    billing.shipping_address_delete(shipping_address=home)

    assert defaults(customer) == ["Office"]


def test_shipping_address_pages_add_edit_default_delete(staff_client):
    customer = CustomerFactory()
    base = f"/staff/customers/{customer.pk}/billing/addresses/"

    assert staff_client.get(base + "new/").status_code == 200
    response = staff_client.post(base + "new/", address_data())
    assert response.status_code == 302
    home = ShippingAddress.objects.get(customer=customer)
    response = staff_client.post(
        base + "new/", address_data(label="Office", make_default="on")
    )
    assert defaults(customer) == ["Office"]

    response = staff_client.post(
        f"{base}{home.pk}/", address_data(label="Home sweet home")
    )
    assert response.status_code == 302
    home.refresh_from_db()
    assert home.label == "Home sweet home"

    staff_client.post(f"{base}{home.pk}/default/")
    assert defaults(customer) == ["Home sweet home"]

    staff_client.post(f"{base}{home.pk}/delete/")
    assert defaults(customer) == ["Office"]
    tab = staff_client.get(f"/staff/customers/{customer.pk}/billing/")
    assert "Via Roma 1" in tab.content.decode()


def test_shipping_address_bad_input_is_refused(staff_client):
    customer = CustomerFactory()

    response = staff_client.post(
        f"/staff/customers/{customer.pk}/billing/addresses/new/",
        address_data(address="", country="ITA"),
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "address" in errors and "country" in errors
    assert not ShippingAddress.objects.exists()


def test_shipping_address_of_another_customer_is_404(staff_client):
    owner, other = CustomerFactory(), CustomerFactory()
    address = billing.shipping_address_create(customer=owner, **address_data())
    base = f"/staff/customers/{other.pk}/billing/addresses/{address.pk}/"

    assert staff_client.get(base).status_code == 404
    assert staff_client.post(base, address_data(label="Stolen")).status_code == 404
    assert staff_client.post(base + "delete/").status_code == 404
    assert staff_client.post(base + "default/").status_code == 404
    address.refresh_from_db()
    assert address.label == "Home"


def test_shipping_address_changes_need_change_permission(viewer_client):
    customer = CustomerFactory()
    address = billing.shipping_address_create(customer=customer, **address_data())
    base = f"/staff/customers/{customer.pk}/billing/addresses/"

    assert viewer_client.get(base + "new/").status_code == 403
    assert viewer_client.post(base + "new/", address_data()).status_code == 403
    assert viewer_client.post(f"{base}{address.pk}/delete/").status_code == 403
    assert ShippingAddress.objects.count() == 1


# Avatar


def image_upload(fmt="PNG", size=(400, 300), name=None, mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None).save(buffer, fmt)
    extension = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}[fmt]
    return SimpleUploadedFile(
        name or f"me.{extension}", buffer.getvalue(), content_type=f"image/{extension}"
    )


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_avatar_upload_stores_picture_and_square_thumbnail(staff_client, fmt):
    customer = CustomerFactory()

    response = staff_client.post(
        f"/staff/customers/{customer.pk}/avatar/", {"avatar": image_upload(fmt)}
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.avatar.name.startswith("avatars/")
    with Image.open(customer.avatar_thumbnail.path) as thumbnail:
        assert thumbnail.size == (160, 160)
        assert thumbnail.format == "JPEG"
    with Image.open(customer.avatar.path) as picture:
        assert picture.format == fmt
    assert CustomerEvent.objects.filter(
        customer=customer, kind="profile_updated"
    ).exists()
    page = staff_client.get(f"/staff/customers/{customer.pk}/").content.decode()
    thumbnail_url = f"/staff/customers/{customer.pk}/avatar/thumbnail.jpg"
    assert page.count(thumbnail_url) == 1  # the card shows it once, in its header
    served = staff_client.get(thumbnail_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content).startswith(b"\xff\xd8")


def test_avatar_upload_replaces_and_deletes_the_old_files(
    staff_client, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    customer = avatar_services.customer_avatar_set(
        customer=customer, image=image_upload()
    )
    old_path = customer.avatar.path

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            f"/staff/customers/{customer.pk}/avatar/", {"avatar": image_upload("JPEG")}
        )

    customer.refresh_from_db()
    assert customer.avatar.path != old_path
    import os

    assert not os.path.exists(old_path)


def test_avatar_large_picture_is_scaled_down():
    customer = avatar_services.customer_avatar_set(
        customer=CustomerFactory(), image=image_upload(size=(3000, 1500))
    )
    with Image.open(customer.avatar.path) as picture:
        assert max(picture.size) == avatar_services.AVATAR_MAX_SIDE


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", "image/png"),
            "not a picture we can read",
        ),
        (
            SimpleUploadedFile("empty.png", b"", "image/png"),
            "empty",
        ),
        (image_upload("GIF"), "GIF pictures are not accepted"),
        (
            SimpleUploadedFile(
                "cut.png", image_upload().read()[:60], content_type="image/png"
            ),
            "",
        ),
    ],
)
def test_avatar_fake_or_wrong_files_are_refused(staff_client, upload, message):
    customer = CustomerFactory()

    response = staff_client.post(
        f"/staff/customers/{customer.pk}/avatar/", {"avatar": upload}
    )

    assert response.status_code == 400
    errors = response.context["avatar_form"].errors
    assert "avatar" in errors
    assert message in " ".join(errors["avatar"])
    assert 'class="field-error"' in response.content.decode()
    customer.refresh_from_db()
    assert not customer.avatar and not customer.avatar_thumbnail
    # The personal data form is shown as stored, not as errors.
    assert not response.context["form"].errors


def test_avatar_larger_than_5_mb_is_refused(staff_client):
    customer = CustomerFactory()
    big = SimpleUploadedFile(
        "big.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024), content_type="image/png"
    )

    response = staff_client.post(
        f"/staff/customers/{customer.pk}/avatar/", {"avatar": big}
    )

    assert response.status_code == 400
    assert "larger than 5 MB" in response.content.decode()


def test_avatar_remove(staff_client, django_capture_on_commit_callbacks):
    customer = avatar_services.customer_avatar_set(
        customer=CustomerFactory(), image=image_upload()
    )
    path = customer.avatar_thumbnail.path

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/staff/customers/{customer.pk}/avatar/remove/")

    customer.refresh_from_db()
    assert not customer.avatar and not customer.avatar_thumbnail
    import os

    assert not os.path.exists(path)


def test_avatar_changes_need_change_permission(viewer_client):
    customer = CustomerWithLoginFactory()

    response = viewer_client.post(
        f"/staff/customers/{customer.pk}/avatar/", {"avatar": image_upload()}
    )
    assert response.status_code == 403
    assert (
        viewer_client.post(f"/staff/customers/{customer.pk}/avatar/remove/").status_code
        == 403
    )
    customer.refresh_from_db()
    assert not customer.avatar


def test_billing_save_on_a_customer_with_bad_stored_data_explains_not_crashes(
    staff_client,
):
    customer = CustomerFactory(email="not-an-e-mail")

    response = staff_client.post(
        f"/staff/customers/{customer.pk}/billing/", {"company_name": "ACME"}
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    customer.refresh_from_db()
    assert customer.company_name == ""


def test_avatar_thumbnail_is_for_staff_only(client, customer):
    customer = avatar_services.customer_avatar_set(
        customer=customer, image=image_upload()
    )
    url = f"/staff/customers/{customer.pk}/avatar/thumbnail.jpg"

    assert client.get(url).status_code == 302  # anonymous: to the staff login
    client.force_login(customer.user)
    assert client.get(url).status_code == 403


def test_avatar_thumbnail_missing_is_404(staff_client):
    customer = CustomerFactory()
    url = f"/staff/customers/{customer.pk}/avatar/thumbnail.jpg"
    assert staff_client.get(url).status_code == 404
