"""Writes of the Action history: custom actions and their attachments, support
requests, push devices, and the login record.
"""

from __future__ import annotations

import os
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO, cast

import nh3
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import (
    ActionAttachment,
    Customer,
    CustomerAction,
    CustomerEvent,
    PushDevice,
    SupportRequest,
)
from customers.services.events import (
    customer_area_write_record,
    customer_event_record,
)

# --- The rich-text note ---

NOTE_TAGS = {"p", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li", "a"}
NOTE_ATTRIBUTES = {"a": {"href"}}
NOTE_URL_SCHEMES = {"http", "https", "mailto"}


def note_sanitize(html: str) -> str:
    """The note's HTML with only simple formatting and http(s)/mailto links left.

    Scripts, styles, event handlers and ``javascript:`` URLs never survive; every link
    gets ``rel="noopener"``.
    """
    return nh3.clean(
        html or "",
        tags=NOTE_TAGS,
        attributes=NOTE_ATTRIBUTES,
        url_schemes=NOTE_URL_SCHEMES,
        url_relative="deny",
        link_rel="noopener",
    ).strip()


# --- Attachments ---

ATTACHMENT_MAX_SIZE = 10 * 1024 * 1024
ATTACHMENT_MAX_COUNT = 10

_PDF = (b"%PDF-",)
_PNG = (b"\x89PNG\r\n\x1a\n",)
_JPEG = (b"\xff\xd8\xff",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)

# extension → (content type served, how the content is checked)
ATTACHMENT_TYPES: dict[str, tuple[str, str]] = {
    ".pdf": ("application/pdf", "pdf"),
    ".png": ("image/png", "png"),
    ".jpg": ("image/jpeg", "jpeg"),
    ".jpeg": ("image/jpeg", "jpeg"),
    ".webp": ("image/webp", "webp"),
    ".txt": ("text/plain; charset=utf-8", "text"),
    ".csv": ("text/csv; charset=utf-8", "text"),
    ".doc": ("application/msword", "ole"),
    ".xls": ("application/vnd.ms-excel", "ole"),
    ".ppt": ("application/vnd.ms-powerpoint", "ole"),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "ooxml",
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ooxml",
    ),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "ooxml",
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", "odf"),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", "odf"),
    ".odp": ("application/vnd.oasis.opendocument.presentation", "odf"),
}

_MARKUP_STARTS = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg")


def _head(uploaded: UploadedFile, size: int = 8192) -> bytes:
    uploaded.seek(0)
    head = uploaded.read(size)
    uploaded.seek(0)
    return head


def _looks_like(kind: str, uploaded: UploadedFile) -> bool:
    head = _head(uploaded)
    if kind == "pdf":
        return head.startswith(_PDF)
    if kind == "png":
        return head.startswith(_PNG)
    if kind == "jpeg":
        return head.startswith(_JPEG)
    if kind == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if kind == "ole":
        return head.startswith(_OLE)
    if kind in ("ooxml", "odf"):
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(cast(IO[bytes], uploaded.file)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        finally:
            uploaded.seek(0)
        if kind == "ooxml":
            return "[Content_Types].xml" in names
        return "mimetype" in names
    if kind == "text":
        if b"\x00" in head:
            return False
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        return not (start.startswith(_MARKUP_STARTS) or b"<script" in head.lower())
    return False


def attachment_check(uploaded: UploadedFile) -> tuple[str, str]:
    """Checks one uploaded file; returns its clean name and the content type to serve.

    The extension must be one we accept and the content must match it (PDF, images,
    text, CSV, office documents); executables and web pages are refused.
    """
    name = os.path.basename((uploaded.name or "").replace("\\", "/")).strip()
    name = name[-255:] or "attachment"
    extension = os.path.splitext(name)[1].lower()
    if extension not in ATTACHMENT_TYPES:
        raise ValidationError(
            _(
                "“%(name)s” is not a file type we accept. Attach a PDF, an image "
                "(PNG, JPEG, WebP), a text or CSV file or an office document."
            ),
            code="attachment_type",
            params={"name": name},
        )
    if not uploaded.size:
        raise ValidationError(
            _("“%(name)s” is empty."), code="attachment_empty", params={"name": name}
        )
    if uploaded.size > ATTACHMENT_MAX_SIZE:
        raise ValidationError(
            _("“%(name)s” is %(size)s; an attachment can be at most %(max)s."),
            code="attachment_size",
            params={
                "name": name,
                "size": filesizeformat(uploaded.size),
                "max": filesizeformat(ATTACHMENT_MAX_SIZE),
            },
        )
    content_type, kind = ATTACHMENT_TYPES[extension]
    if not _looks_like(kind, uploaded):
        raise ValidationError(
            _(
                "The content of “%(name)s” does not match its extension: it is not "
                "a real %(extension)s file."
            ),
            code="attachment_content",
            params={"name": name, "extension": extension[1:].upper()},
        )
    return name, content_type


def attachments_check(files: Sequence[UploadedFile]) -> list[tuple[str, str]]:
    """Checks every file, reporting all the problems at once."""
    if len(files) > ATTACHMENT_MAX_COUNT:
        raise ValidationError(
            _("Attach at most %(count)d files at a time."),
            code="attachment_count",
            params={"count": ATTACHMENT_MAX_COUNT},
        )
    checked, errors = [], []
    for uploaded in files:
        try:
            checked.append(attachment_check(uploaded))
        except ValidationError as error:
            errors.extend(error.error_list)
    if errors:
        raise ValidationError(errors)
    return checked


def _attachments_checked(files: Sequence[UploadedFile]) -> list[tuple[str, str]]:
    try:
        return attachments_check(files)
    except ValidationError as error:
        raise ValidationError({"attachments": error.error_list}) from error


def _attachments_add(
    action: CustomerAction,
    files: Sequence[UploadedFile],
    checked: Sequence[tuple[str, str]],
) -> None:
    for uploaded, (name, content_type) in zip(files, checked, strict=True):
        attachment = ActionAttachment(
            action=action,
            name=name,
            size=cast(int, uploaded.size),
            content_type=content_type,
        )
        # A random stored name: the file is reached only through the download view.
        extension = os.path.splitext(name)[1].lower()
        uploaded.seek(0)
        attachment.file.save(f"{uuid.uuid4().hex}{extension}", uploaded, save=False)
        attachment.save()


def _files_delete_on_commit(attachments: Iterable[ActionAttachment]) -> None:
    names = [(a.file.storage, a.file.name) for a in attachments if a.file]

    def delete():
        for storage, name in names:
            storage.delete(name)

    transaction.on_commit(delete)


# --- The customer's last call ---

# Every customer's latest call, recomputed from the actions (the migration that added
# the field backfilled it with the first statement).
_LAST_CALLS_SET = """
UPDATE customers_customer
SET last_call_at = calls.last_call_at
FROM (
    SELECT customer_id, MAX(created_at) AS last_call_at
    FROM customers_customeraction
    WHERE kind = %s
    GROUP BY customer_id
) AS calls
WHERE customers_customer.id = calls.customer_id
    AND customers_customer.last_call_at IS DISTINCT FROM calls.last_call_at
"""
_LAST_CALLS_CLEAR = """
UPDATE customers_customer
SET last_call_at = NULL
WHERE last_call_at IS NOT NULL
    AND NOT EXISTS (
        SELECT 1 FROM customers_customeraction
        WHERE customer_id = customers_customer.id AND kind = %s
    )
"""


def customer_last_call_refresh(*, customer_id: int) -> None:
    """Stores on the customer when their latest call action was created (None: none).

    Runs in the transaction that creates, re-kinds or deletes one of the customer's
    calls. The customer row is locked first, so the next statement sees every call
    committed before it: two writers on one customer cannot leave an older time.
    """
    list(Customer.objects.select_for_update().filter(pk=customer_id).values("pk"))
    latest_call = (
        CustomerAction.objects.filter(
            customer=OuterRef("pk"), kind=CustomerAction.Kind.CALL
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    Customer.objects.filter(pk=customer_id).update(last_call_at=Subquery(latest_call))


@transaction.atomic
def customer_last_calls_rebuild() -> int:
    """Recomputes every customer's last call in two statements; returns how many
    customers changed. For bulk writes of actions that skip the services (COPY)."""
    with connection.cursor() as cursor:
        cursor.execute(_LAST_CALLS_SET, [CustomerAction.Kind.CALL.value])
        changed = cursor.rowcount
        cursor.execute(_LAST_CALLS_CLEAR, [CustomerAction.Kind.CALL.value])
        return changed + cursor.rowcount


# --- Custom actions ---


def _action_fields_check(*, title: str, kind: str) -> str:
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the action a title.")
    if kind not in CustomerAction.Kind.values:
        errors["kind"] = _("Choose one of the action types.")
    if errors:
        raise ValidationError(errors)
    return title


@transaction.atomic(durable=True)
def action_create(
    *,
    customer: Customer,
    actor,
    title: str,
    kind: str = CustomerAction.Kind.NOTE,
    note: str = "",
    due_date=None,
    done: bool = False,
    attachments: Sequence[UploadedFile] = (),
) -> CustomerAction:
    """Adds a custom action (a call, a meeting, a note...) to the customer's history.

    The note is sanitised HTML; attachments are checked before anything is saved.
    """
    title = _action_fields_check(title=title, kind=kind)
    checked = _attachments_checked(attachments)
    action = CustomerAction.objects.create(
        customer=customer,
        kind=kind,
        title=title[:200],
        note=note_sanitize(note),
        due_date=due_date,
        done=done,
        done_at=timezone.now() if done else None,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _attachments_add(action, attachments, checked)
    if kind == CustomerAction.Kind.CALL:
        customer_last_call_refresh(customer_id=customer.pk)
    return action


@transaction.atomic
def action_create_once(
    *,
    customer_id: int,
    idempotency_key: str,
    title: str,
    kind: str = CustomerAction.Kind.TASK,
    note: str = "",
    due_date=None,
) -> tuple[CustomerAction, bool]:
    """Adds an action made by the system (a funnel's to-do), once per key.

    Joins the caller's transaction (the funnel step's). Returns the action and
    whether it was created now; the same key again returns the first one unchanged.
    """
    if not idempotency_key:
        raise ValueError("An idempotency key is required.")
    title = _action_fields_check(title=title, kind=kind)
    # The customer's row lock makes two runs of one key take turns.
    list(Customer.objects.select_for_update().filter(pk=customer_id).values("pk"))
    existing = CustomerAction.objects.filter(
        customer_id=customer_id, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        return existing, False
    action = CustomerAction.objects.create(
        customer_id=customer_id,
        kind=kind,
        title=title[:200],
        note=note_sanitize(note),
        due_date=due_date,
        idempotency_key=idempotency_key,
    )
    if kind == CustomerAction.Kind.CALL:
        customer_last_call_refresh(customer_id=customer_id)
    return action, True


@transaction.atomic(durable=True)
def action_update(
    *,
    action: CustomerAction,
    title: str,
    kind: str,
    note: str = "",
    due_date=None,
    done: bool = False,
    attachments: Sequence[UploadedFile] = (),
    remove_attachment_ids: Iterable[int] = (),
) -> CustomerAction:
    """Changes a custom action; new files are added, the ones named are removed."""
    title = _action_fields_check(title=title, kind=kind)
    checked = _attachments_checked(attachments)
    action = CustomerAction.objects.select_for_update().get(pk=action.pk)
    kind_before = action.kind
    action.title = title[:200]
    action.kind = kind
    action.note = note_sanitize(note)
    action.due_date = due_date
    if done != action.done:
        action.done = done
        action.done_at = timezone.now() if done else None
    action.save()
    removed = list(action.attachments.filter(pk__in=list(remove_attachment_ids)))
    if removed:
        ActionAttachment.objects.filter(pk__in=[a.pk for a in removed]).delete()
        _files_delete_on_commit(removed)
    _attachments_add(action, attachments, checked)
    if kind != kind_before and CustomerAction.Kind.CALL in (kind, kind_before):
        customer_last_call_refresh(customer_id=action.customer_id)
    return action


@transaction.atomic(durable=True)
def action_set_done(*, action: CustomerAction, done: bool) -> CustomerAction:
    """Marks a custom action done (now) or not done."""
    action = CustomerAction.objects.select_for_update().get(pk=action.pk)
    if action.done != done:
        action.done = done
        action.done_at = timezone.now() if done else None
        action.save(update_fields=["done", "done_at", "updated_at"])
    return action


@transaction.atomic(durable=True)
def action_delete(*, action: CustomerAction) -> None:
    """Deletes a custom action and, once that is committed, its files.

    The row is locked and read again first: its kind now decides whether the
    customer's last call changes. An action already deleted is left as it is.
    """
    current = CustomerAction.objects.select_for_update().filter(pk=action.pk).first()
    if current is None:
        return
    attachments = list(current.attachments.all())
    current.delete()
    _files_delete_on_commit(attachments)
    if current.kind == CustomerAction.Kind.CALL:
        customer_last_call_refresh(customer_id=current.customer_id)


# --- Support requests ---


@transaction.atomic(durable=True)
def support_request_create(
    *, customer: Customer, subject: str, message: str, actor=None
) -> SupportRequest:
    """A customer's message through the contact form of their area (``actor``:
    the customer, or staff logged in as them, which the timeline then says)."""
    subject = (subject or "").strip()
    message = (message or "").strip()
    errors = {}
    if not subject:
        errors["subject"] = _("Say in a few words what it is about.")
    if not message:
        errors["message"] = _("Write your message.")
    if errors:
        raise ValidationError(errors)
    request = SupportRequest(customer=customer, subject=subject, message=message)
    request.full_clean()
    request.save()
    customer_area_write_record(
        customer=customer,
        actor=actor,
        detail=_("Support request sent: %(subject)s") % {"subject": subject},
        data={"support_request": request.pk},
    )
    return request


@transaction.atomic(durable=True)
def support_request_close(*, support_request: SupportRequest) -> SupportRequest:
    """Closes a support request (closing a closed one changes nothing)."""
    support_request = SupportRequest.objects.select_for_update().get(
        pk=support_request.pk
    )
    if support_request.status != SupportRequest.Status.CLOSED:
        support_request.status = SupportRequest.Status.CLOSED
        support_request.save(update_fields=["status"])
    return support_request


# --- Push devices ---


@transaction.atomic(durable=True)
def push_device_register(
    *, customer: Customer, token: str, platform: str, name: str = ""
) -> tuple[PushDevice, bool]:
    """Registers the customer's device, or refreshes it if its token is known.

    A token that another customer's device has is refused (code ``token_taken``) and
    nothing changes. Returns the device and whether it is new.
    """
    token = (token or "").strip()
    if not token:
        raise ValidationError({"token": _("The token is missing.")}, code="required")
    if platform not in PushDevice.Platform.values:
        raise ValidationError(
            {"platform": _("The platform must be ios, android or web.")},
            code="invalid_choice",
        )
    device = PushDevice.objects.select_for_update().filter(token=token).first()
    if device is None:
        try:
            with transaction.atomic():
                device = PushDevice.objects.create(
                    customer=customer, token=token, platform=platform, name=name
                )
            return device, True
        except IntegrityError:
            # The same token was registered at the same moment.
            device = PushDevice.objects.select_for_update().get(token=token)
    if device.customer_id != customer.pk:
        raise ValidationError(
            _("This device is registered to another account."), code="token_taken"
        )
    device.platform = platform
    device.name = name
    device.save()  # refreshes last_seen_at
    return device, False


@transaction.atomic(durable=True)
def push_device_remove(*, device: PushDevice) -> None:
    """Removes a push device: it receives nothing more."""
    PushDevice.objects.filter(pk=device.pk).delete()


# --- Logins ---


def customer_login_record(*, user, request=None) -> CustomerEvent | None:
    """Records in the timeline that a customer logged in (staff logins are not)."""
    customer = Customer.objects.filter(user=user).only("pk").first()
    if customer is None:
        return None
    user_agent = ""
    if request is not None:
        user_agent = request.headers.get("User-Agent", "")[:300]
    return customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.LOGGED_IN,
        actor=user,
        detail=user_agent,
    )
