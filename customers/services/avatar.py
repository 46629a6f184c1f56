"""The customer's avatar: checked by its content, re-encoded, with a square thumbnail.

The file's name and declared type are not trusted: Pillow must recognise a JPEG, PNG
or WebP picture. The picture is re-encoded (which drops metadata such as GPS
positions and anything smuggled after the image data) and scaled down to
``AVATAR_MAX_SIDE``; the thumbnail is a ``THUMBNAIL_SIZE`` square JPEG.
"""

from __future__ import annotations

import io
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from customers.models import Customer, CustomerEvent
from customers.services.events import customer_event_record

AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_MAX_PIXELS = 40_000_000
AVATAR_MAX_SIDE = 1024
THUMBNAIL_SIZE = 160
# Pillow's format name → the extension the stored file gets.
AVATAR_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def avatar_check(upload) -> str:
    """The upload's image format if it is an avatar we accept; else ValidationError."""
    if upload.size > AVATAR_MAX_BYTES:
        raise ValidationError(
            {"avatar": _("The image is larger than 5 MB: choose a smaller one.")},
            code="too_large",
        )
    unreadable = ValidationError(
        {
            "avatar": _(
                "This file is not a picture we can read: upload a JPEG, PNG or "
                "WebP image."
            )
        },
        code="not_an_image",
    )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        raise unreadable from None
    except SyntaxError:  # some truncated files make Pillow's parsers raise this
        raise unreadable from None
    finally:
        upload.seek(0)
    if image_format not in AVATAR_FORMATS:
        raise ValidationError(
            {
                "avatar": _(
                    "%(format)s pictures are not accepted: upload a JPEG, PNG or "
                    "WebP image."
                )
                % {"format": image_format}
            },
            code="format",
        )
    if width * height > AVATAR_MAX_PIXELS:
        raise ValidationError(
            {"avatar": _("The picture has too many pixels: upload a smaller one.")},
            code="too_many_pixels",
        )
    return image_format


def _encode(image: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    if image_format == "JPEG":
        image.save(buffer, "JPEG", quality=88, optimize=True)
    elif image_format == "WEBP":
        image.save(buffer, "WEBP", quality=88)
    else:
        image.save(buffer, image_format, optimize=True)
    return buffer.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """An RGB picture; transparent parts become white."""
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def avatar_images(upload) -> tuple[str, bytes, bytes]:
    """Checks the upload; returns (extension, re-encoded picture, JPEG thumbnail)."""
    image_format = avatar_check(upload)
    try:
        with Image.open(upload) as original:
            original.load()
            picture = ImageOps.exif_transpose(original)
    except (OSError, ValueError, SyntaxError):
        raise ValidationError(
            {
                "avatar": _(
                    "This picture is damaged: upload it again or choose another one."
                )
            },
            code="damaged",
        ) from None
    if image_format == "JPEG":
        picture = _flatten(picture)
    elif picture.mode not in ("RGB", "RGBA"):
        picture = picture.convert("RGBA")
    picture.thumbnail((AVATAR_MAX_SIDE, AVATAR_MAX_SIDE), Image.Resampling.LANCZOS)
    thumbnail = ImageOps.fit(
        _flatten(picture),
        (THUMBNAIL_SIZE, THUMBNAIL_SIZE),
        Image.Resampling.LANCZOS,
    )
    return (
        AVATAR_FORMATS[image_format],
        _encode(picture, image_format),
        _encode(thumbnail, "JPEG"),
    )


def _files_delete_on_commit(*files) -> None:
    for file in files:
        if file:
            storage, name = file.storage, file.name
            # The defaults bind this file's storage and name (mypy cannot type them).
            transaction.on_commit(lambda s=storage, n=name: s.delete(n))  # type: ignore[misc]


@transaction.atomic
def customer_avatar_set(*, customer: Customer, image, actor=None) -> Customer:
    """Replaces the customer's avatar with ``image`` (an uploaded file)."""
    extension, picture, thumbnail = avatar_images(image)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    old_files = [
        (file.storage, file.name)
        for file in (customer.avatar, customer.avatar_thumbnail)
        if file
    ]
    stem = f"customer-{customer.pk}-{secrets.token_hex(6)}"
    customer.avatar.save(f"{stem}.{extension}", ContentFile(picture), save=False)
    customer.avatar_thumbnail.save(f"{stem}.jpg", ContentFile(thumbnail), save=False)
    try:
        customer.save(update_fields=["avatar", "avatar_thumbnail", "updated_at"])
        customer_event_record(
            customer=customer,
            kind=CustomerEvent.Kind.PROFILE_UPDATED,
            actor=actor,
            detail=_("Avatar changed"),
            data={"avatar": True},
        )
    except Exception:
        for file in (customer.avatar, customer.avatar_thumbnail):
            file.storage.delete(file.name)
        raise
    # The old files go once the new ones are safely recorded.
    for storage, name in old_files:
        # The defaults bind this file's storage and name (mypy cannot type them).
        transaction.on_commit(lambda s=storage, n=name: s.delete(n))  # type: ignore[misc]
    return customer


@transaction.atomic
def customer_avatar_remove(*, customer: Customer, actor=None) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if not customer.avatar and not customer.avatar_thumbnail:
        return customer
    _files_delete_on_commit(customer.avatar, customer.avatar_thumbnail)
    customer.avatar = ""
    customer.avatar_thumbnail = ""
    customer.save(update_fields=["avatar", "avatar_thumbnail", "updated_at"])
    customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.PROFILE_UPDATED,
        actor=actor,
        detail=_("Avatar removed"),
        data={"avatar": False},
    )
    return customer
