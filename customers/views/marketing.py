"""The card's Marketing tab, and the Settings pages for tags and newsletter lists."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.mixins import StaffRequiredMixin
from customers.forms.list import (
    ListPickForm,
    NewsletterConsentForm,
    NewsletterListForm,
    TagForm,
    TagPickForm,
)
from customers.models import Customer, NewsletterList, Subscription, Tag
from customers.services import marketing
from customers.views.bulk_support import add_service_error
from customers.views.staff import CustomerCardMixin

CHANGE = ("customers.view_customer", "customers.change_customer")


class CustomerMarketingView(CustomerCardMixin, TemplateView):
    """Lists (with when and how), the newsletter consent and the internal tags."""

    template_name = "customers/list_marketing.html"
    tab_key = "marketing"

    def get_context_data(self, **kwargs):
        customer = self.get_customer()
        subscriptions = list(
            Subscription.objects.filter(customer=customer)
            .select_related("newsletter_list", "changed_by")
            .order_by("newsletter_list__name")
        )
        active_list_ids = {s.newsletter_list_id for s in subscriptions if s.is_active}
        tags = list(customer.tags.all())
        list_form = kwargs.pop("list_form", None) or ListPickForm()
        list_form.fields["newsletter_list"].queryset = NewsletterList.objects.filter(
            archived=False
        ).exclude(pk__in=active_list_ids)
        tag_form = kwargs.pop("tag_form", None) or TagPickForm()
        tag_form.fields["tag"].queryset = Tag.objects.exclude(
            pk__in=[tag.pk for tag in tags]
        )
        consent_form = kwargs.pop("consent_form", None) or NewsletterConsentForm(
            initial={"subscribed": "1" if customer.newsletter_subscribed else "0"}
        )
        return {
            **super().get_context_data(**kwargs),
            "subscriptions": subscriptions,
            "customer_tags": tags,
            "list_form": list_form,
            "tag_form": tag_form,
            "consent_form": consent_form,
        }


class MarketingChangeView(CustomerMarketingView):
    """Base of the tab's actions: POST only, with the permission to change."""

    http_method_names = ["post"]
    permission_required = CHANGE

    def done(self):
        return redirect("customers:marketing", pk=self.get_customer().pk)

    def invalid(self, **forms):
        return self.render_to_response(self.get_context_data(**forms), status=400)


class MarketingTagAddView(MarketingChangeView):
    def post(self, request, *args, **kwargs):
        form = TagPickForm(request.POST)
        if not form.is_valid():
            return self.invalid(tag_form=form)
        tag = form.cleaned_data["tag"]
        changed = marketing.tag_assign(
            tag=tag, customer_ids=[self.get_customer().pk], actor=request.user
        )
        if changed:
            messages.success(request, _("Tag “%(name)s” added.") % {"name": tag.name})
        else:
            messages.info(
                request, _("The customer already has “%(name)s”.") % {"name": tag.name}
            )
        return self.done()


class MarketingTagRemoveView(MarketingChangeView):
    def post(self, request, *args, **kwargs):
        tag = get_object_or_404(Tag, pk=self.kwargs["tag_pk"])
        changed = marketing.tag_unassign(
            tag=tag, customer_ids=[self.get_customer().pk], actor=request.user
        )
        if changed:
            messages.success(request, _("Tag “%(name)s” removed.") % {"name": tag.name})
        else:
            messages.info(
                request,
                _("The customer does not have “%(name)s”.") % {"name": tag.name},
            )
        return self.done()


class MarketingSubscribeView(MarketingChangeView):
    def post(self, request, *args, **kwargs):
        form = ListPickForm(request.POST)
        if not form.is_valid():
            return self.invalid(list_form=form)
        newsletter_list = form.cleaned_data["newsletter_list"]
        try:
            changed = marketing.newsletter_list_subscribe(
                newsletter_list=newsletter_list,
                customer_ids=[self.get_customer().pk],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error("newsletter_list", error)
            return self.invalid(list_form=form)
        if changed:
            messages.success(
                request,
                _("Subscribed to “%(name)s”.") % {"name": newsletter_list.name},
            )
        else:
            messages.info(
                request,
                _("The customer is already subscribed to “%(name)s”.")
                % {"name": newsletter_list.name},
            )
        return self.done()


class MarketingUnsubscribeView(MarketingChangeView):
    def post(self, request, *args, **kwargs):
        newsletter_list = get_object_or_404(NewsletterList, pk=self.kwargs["list_pk"])
        changed = marketing.newsletter_list_unsubscribe(
            newsletter_list=newsletter_list,
            customer_ids=[self.get_customer().pk],
            actor=request.user,
        )
        if changed:
            messages.success(
                request,
                _("Unsubscribed from “%(name)s”.") % {"name": newsletter_list.name},
            )
        else:
            messages.info(
                request,
                _("The customer is not subscribed to “%(name)s”.")
                % {"name": newsletter_list.name},
            )
        return self.done()


class MarketingNewsletterView(MarketingChangeView):
    def post(self, request, *args, **kwargs):
        form = NewsletterConsentForm(request.POST)
        if not form.is_valid():
            return self.invalid(consent_form=form)
        customer = marketing.customer_newsletter_set(
            customer=self.get_customer(),
            subscribed=form.cleaned_data["subscribed"],
            actor=request.user,
        )
        messages.success(
            request,
            _("The customer now receives the newsletter.")
            if customer.newsletter_subscribed
            else _("The customer no longer receives the newsletter."),
        )
        return self.done()


# Settings: tags


class SettingsPageMixin(StaffRequiredMixin):
    """A settings page: GET needs ``view_permission``, POST ``change_permission``."""

    view_permission = ""
    change_permission = ""

    def get_permission_required(self):
        if self.request.method == "POST":
            return (self.view_permission, self.change_permission)
        return (self.view_permission,)


class TagSettingsView(SettingsPageMixin, TemplateView):
    """All tags, with how many customers carry each; the form to add one."""

    template_name = "customers/list_settings_tags.html"
    view_permission = "customers.view_tag"
    change_permission = "customers.add_tag"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "tags": Tag.objects.annotate(customer_count=Count("customers")),
            "form": kwargs.get("form") or TagForm(),
            "title": _("Customer tags"),
        }

    def post(self, request, *args, **kwargs):
        form = TagForm(request.POST)
        if form.is_valid():
            try:
                tag = marketing.tag_create(**form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request, _("Tag “%(name)s” created.") % {"name": tag.name}
                )
                return redirect("customers:settings_tags")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TagEditView(SettingsPageMixin, TemplateView):
    template_name = "customers/list_settings_form.html"
    view_permission = "customers.view_tag"
    change_permission = "customers.change_tag"

    def get_tag(self) -> Tag:
        return get_object_or_404(Tag, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        tag = self.get_tag()
        return {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form") or TagForm.for_tag(tag),
            "object": tag,
            "back_url_name": "customers:settings_tags",
            "back_label": _("Customer tags"),
            "title": _("Tag “%(name)s”") % {"name": tag.name},
        }

    def post(self, request, *args, **kwargs):
        form = TagForm(request.POST)
        if form.is_valid():
            try:
                marketing.tag_update(tag=self.get_tag(), **form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The tag was saved."))
                return redirect("customers:settings_tags")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TagDeleteView(SettingsPageMixin, TemplateView):
    template_name = "customers/list_settings_delete.html"
    view_permission = "customers.view_tag"
    change_permission = "customers.delete_tag"

    def get_permission_required(self):
        return (self.view_permission, self.change_permission)

    def get_tag(self) -> Tag:
        return get_object_or_404(Tag, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        tag = self.get_tag()
        return {
            **super().get_context_data(**kwargs),
            "object": tag,
            "customer_count": Customer.tags.through.objects.filter(
                tag_id=tag.pk
            ).count(),
            "title": _("Delete the tag “%(name)s”") % {"name": tag.name},
        }

    def post(self, request, *args, **kwargs):
        tag = self.get_tag()
        name = tag.name
        marketing.tag_delete(tag=tag)
        messages.success(request, _("Tag “%(name)s” deleted.") % {"name": name})
        return redirect("customers:settings_tags")


# Settings: newsletter lists


class ListSettingsView(SettingsPageMixin, TemplateView):
    """All lists, with their active subscribers; the form to add one."""

    template_name = "customers/list_settings_lists.html"
    view_permission = "customers.view_newsletterlist"
    change_permission = "customers.add_newsletterlist"

    def get_context_data(self, **kwargs):
        lists = NewsletterList.objects.order_by("archived", "name")
        return {
            **super().get_context_data(**kwargs),
            "lists": lists,
            "form": kwargs.get("form") or NewsletterListForm(),
            "title": _("Newsletter lists"),
        }

    def post(self, request, *args, **kwargs):
        form = NewsletterListForm(request.POST)
        if form.is_valid():
            try:
                newsletter_list = marketing.newsletter_list_create(**form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("List “%(name)s” created.") % {"name": newsletter_list.name},
                )
                return redirect("customers:settings_lists")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ListEditView(SettingsPageMixin, TemplateView):
    template_name = "customers/list_settings_form.html"
    view_permission = "customers.view_newsletterlist"
    change_permission = "customers.change_newsletterlist"

    def get_list(self) -> NewsletterList:
        return get_object_or_404(NewsletterList, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        newsletter_list = self.get_list()
        return {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form") or NewsletterListForm.for_list(newsletter_list),
            "object": newsletter_list,
            "back_url_name": "customers:settings_lists",
            "back_label": _("Newsletter lists"),
            "title": _("List “%(name)s”") % {"name": newsletter_list.name},
        }

    def post(self, request, *args, **kwargs):
        form = NewsletterListForm(request.POST)
        if form.is_valid():
            try:
                marketing.newsletter_list_update(
                    newsletter_list=self.get_list(), **form.cleaned_data
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The list was saved."))
                return redirect("customers:settings_lists")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ListArchiveView(SettingsPageMixin, TemplateView):
    """Archives a list, or brings an archived one back (POST ``archived`` 1 or 0)."""

    http_method_names = ["post"]
    view_permission = "customers.view_newsletterlist"
    change_permission = "customers.change_newsletterlist"

    def post(self, request, *args, **kwargs):
        newsletter_list = get_object_or_404(NewsletterList, pk=self.kwargs["pk"])
        archived = request.POST.get("archived", "1") != "0"
        marketing.newsletter_list_archive(
            newsletter_list=newsletter_list, archived=archived
        )
        messages.success(
            request,
            (
                _("List “%(name)s” archived: it takes no new subscribers.")
                if archived
                else _("List “%(name)s” is active again.")
            )
            % {"name": newsletter_list.name},
        )
        return redirect("customers:settings_lists")
