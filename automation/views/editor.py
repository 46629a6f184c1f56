"""The funnel editor: the funnel's settings and its flow drawn as a vertical
diagram, with steps added, changed, moved and deleted in the draft.

Every edit is a plain form that POSTs and redirects back to the editor; with htmx
(``HX-Request``) the same POST answers with the diagram's fragment instead, and
the step forms open in a panel beside it. The draft is changed only through
``automation.services.drafts``; a refused edit shows its message and changes
nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django_htmx.http import reswap, retarget

from automation.diagram import diagram_build, step_text, step_title
from automation.forms.funnels import FunnelSettingsForm
from automation.forms.params import ParamsForm
from automation.forms.steps import (
    GoalNextForm,
    SplitForm,
    StepChoiceForm,
    TooLateForm,
    WaitForm,
    what_parse,
)
from automation.models import Funnel
from automation.selectors import funnel_counters
from automation.services import drafts
from automation.views.funnels import CHANGE, TEST, FunnelMixin, error_messages
from core import plugins

DIAGRAM_TEMPLATE = "automation/staff/editor_diagram.html"
PANEL_TEMPLATE = "automation/staff/editor_step_panel.html"


def _trigger_form_class(key: str) -> Any:
    trigger = plugins.automation_triggers.get(key or "")
    return trigger.form_class if trigger else None


class EditorMixin(FunnelMixin):
    @property
    def htmx(self) -> bool:
        """Asked by htmx (``HX-Request``): answer with a fragment."""
        return bool(getattr(self.request, "htmx", False))

    def diagram_context(self, **extra) -> dict[str, Any]:
        funnel = self.get_funnel()
        user = self.request.user
        return {
            "funnel": funnel,
            "diagram": diagram_build(funnel.draft, funnel_counters(funnel)),
            "can_change": user.has_perms(CHANGE),
            **extra,
        }

    def diagram_response(self, *, errors: list[str] | None = None):
        """The diagram's fragment (htmx), with a refusal's messages on top."""
        self.__dict__.pop("_funnel", None)  # the draft as the edit left it
        return render(
            self.request,
            DIAGRAM_TEMPLATE,
            self.diagram_context(errors=errors or [], oob_panel=True),
        )

    def done(self, message: str):
        if self.htmx:
            return self.diagram_response()
        messages.success(self.request, message)
        return redirect(self.editor_url())

    def refused(self, error: ValidationError):
        if self.htmx:
            return self.diagram_response(errors=error_messages(error))
        for message in error_messages(error):
            messages.error(self.request, message)
        return redirect(self.editor_url())


class EditorView(EditorMixin, TemplateView):
    """The funnel page: its state, its settings and its flow."""

    template_name = "automation/staff/editor_page.html"

    def get_context_data(self, **kwargs):
        funnel = self.get_funnel()
        trigger_key = funnel.draft.get("trigger", {}).get("key", "")
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            **self.diagram_context(),
            "title": funnel.name,
            "trigger": plugins.automation_triggers.get(trigger_key),
            "draft_changed": drafts.draft_changed(funnel),
            "reentry_label": dict(Funnel.Reentry.choices).get(
                funnel.draft.get("reentry", {}).get("policy", ""), ""
            ),
            "settings_form": kwargs.get("settings_form")
            or FunnelSettingsForm(
                initial=FunnelSettingsForm.initial_from(funnel.draft)
            ),
            "trigger_form": kwargs.get("trigger_form")
            or ParamsForm(
                _trigger_form_class(trigger_key),
                params=funnel.draft.get("trigger", {}).get("params", {}),
            ),
            "can_test": user.has_perms(TEST),
        }


class EditorSettingsView(EditorMixin, View):
    """The name, the trigger with its parameters and the re-entry policy."""

    permission_required = CHANGE

    def post(self, request, pk):
        funnel = self.get_funnel()
        form = FunnelSettingsForm(request.POST)
        trigger_form = ParamsForm(
            _trigger_form_class(request.POST.get("trigger", "")), request.POST
        )
        if form.is_valid() and trigger_form.is_valid():
            try:
                drafts.draft_settings_update(
                    funnel=funnel,
                    name=form.cleaned_data["name"],
                    trigger_key=form.cleaned_data["trigger"],
                    trigger_params=trigger_form.params,
                    reentry=form.cleaned_data["reentry"],
                    reentry_days=form.cleaned_data["reentry_days"],
                )
            except ValidationError as error:
                form.add_error(None, error_messages(error))
            else:
                messages.success(request, _("The funnel's settings were saved."))
                return redirect(self.editor_url())
        editor = EditorView()
        editor.setup(request, pk=pk)
        editor._funnel = funnel
        return render(
            request,
            editor.template_name,
            editor.get_context_data(settings_form=form, trigger_form=trigger_form),
            status=400,
        )


class StepFormsMixin(EditorMixin):
    """The forms of one step: its own (wait, split, goal) and its parameters'."""

    permission_required = CHANGE

    def step_forms(
        self, kind: str, name: str, data=None, step: dict | None = None
    ) -> dict[str, Any]:
        step = step or {}
        found: dict[str, Any] = {}
        params = step.get("params", {})
        if kind == "action":
            action = plugins.automation_actions.get(name)
            found["params"] = ParamsForm(
                action.form_class if action else None, data, params=params
            )
            found["too_late"] = TooLateForm(
                data,
                step=step,
                default=action.too_late_after if action else None,
            )
        elif kind == "condition":
            condition = plugins.automation_conditions.get(name)
            found["params"] = ParamsForm(
                condition.form_class if condition else None, data, params=params
            )
        elif kind == "goal":
            found["params"] = ParamsForm(_trigger_form_class(name), data, params=params)
            found["goal"] = GoalNextForm(
                data,
                steps=self.get_funnel().draft.get("steps", []),
                exclude=step.get("key", ""),
                initial={"next": step.get("next") or ""},
            )
        elif kind == "wait":
            found["wait"] = WaitForm(
                data, initial=WaitForm.initial_from(step) if step else None
            )
        elif kind == "split":
            found["split"] = SplitForm(
                data, initial=SplitForm.initial_from(step) if step else None
            )
        return found

    @staticmethod
    def step_values(kind: str, name: str, forms: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {"kind": kind}
        if kind in ("action", "condition", "goal"):
            field = {"action": "action", "condition": "condition", "goal": "trigger"}
            values[field[kind]] = name
            values["params"] = forms["params"].params
        for key in ("wait", "split", "goal", "too_late"):
            if key in forms:
                values.update(forms[key].values())
        return values

    def panel(self, context: dict[str, Any], *, status: int = 200):
        """The step's form: a fragment in the editor's panel (htmx), else a page."""
        context = {**self.diagram_context(), **context}
        if self.htmx:
            response = render(self.request, PANEL_TEMPLATE, context, status=200)
            if status != 200:
                # A refused form stays in the panel, not in the diagram's place.
                response = retarget(response, "#step-panel")
                response = reswap(response, "innerHTML")
            return response
        return render(
            self.request,
            "automation/staff/editor_step_form.html",
            {**context, "title": context.get("heading")},
            status=status,
        )


class StepAddView(StepFormsMixin, View):
    """GET: what the new step is, then its form; POST: adds it."""

    def place(self, source) -> dict[str, str]:
        return {
            "after": source.get("after", "") or drafts.FIRST,
            "branch": source.get("branch", ""),
        }

    def get(self, request, pk):
        place = self.place(request.GET)
        goal = request.GET.get("goal") == "1"
        what = request.GET.get("what", "")
        try:
            kind, name = what_parse(what)
        except ValidationError:
            choice = StepChoiceForm(
                request.GET if what else None,
                goal=goal,
                initial={"what": what},
            )
            return self.panel(
                {
                    "choice_form": choice,
                    "place": place,
                    "goal": goal,
                    "heading": _("New goal") if goal else _("New step"),
                }
            )
        return self.panel(
            self._form_context(kind, name, what, place, self.step_forms(kind, name))
        )

    def _form_context(self, kind, name, what, place, forms) -> dict[str, Any]:
        probe = {"kind": kind, "action": name, "condition": name, "trigger": name}
        return {
            "forms": forms,
            "what": what,
            "place": place,
            "heading": _("New step: %(title)s") % {"title": step_title(probe)},
            "action_url": "add",
        }

    def post(self, request, pk):
        place = self.place(request.POST)
        what = request.POST.get("what", "")
        try:
            kind, name = what_parse(what)
        except ValidationError as error:
            return self.refused(error)
        forms = self.step_forms(kind, name, request.POST)
        context = self._form_context(kind, name, what, place, forms)
        if all(form.is_valid() for form in forms.values()):
            values = self.step_values(kind, name, forms)
            base = name.rsplit(".", 1)[-1] if name else kind
            values["key"] = drafts.step_key_new(self.get_funnel().draft, base)
            try:
                drafts.draft_step_add(
                    funnel=self.get_funnel(),
                    step=values,
                    after=None if kind == "goal" else place["after"],
                    branch=place["branch"] or None,
                )
            except ValidationError as error:
                context["errors"] = error_messages(error)
            else:
                return self.done(_("The step was added."))
        return self.panel(context, status=400)


class StepEditView(StepFormsMixin, View):
    """A step's form (its action's ``form_class``, or the wait's, split's...)."""

    def get_step(self, source) -> dict:
        key = source.get("step", "")
        for step in self.get_funnel().draft.get("steps", []):
            if step.get("key") == key:
                return step
        raise Http404

    @staticmethod
    def name_of(step: dict) -> str:
        return step.get("action") or step.get("condition") or step.get("trigger") or ""

    def context(self, step: dict, forms) -> dict[str, Any]:
        return {
            "forms": forms,
            "step": step,
            "heading": _("Step “%(key)s”: %(title)s")
            % {"key": step["key"], "title": step_title(step)},
            "step_text": step_text(step),
            "action_url": "edit",
        }

    def get(self, request, pk):
        step = self.get_step(request.GET)
        forms = self.step_forms(step["kind"], self.name_of(step), step=step)
        return self.panel(self.context(step, forms))

    def post(self, request, pk):
        step = self.get_step(request.POST)
        kind, name = step["kind"], self.name_of(step)
        forms = self.step_forms(kind, name, request.POST, step=step)
        context = self.context(step, forms)
        if all(form.is_valid() for form in forms.values()):
            values = self.step_values(kind, name, forms)
            try:
                drafts.draft_step_update(
                    funnel=self.get_funnel(), key=step["key"], values=values
                )
            except ValidationError as error:
                context["errors"] = error_messages(error)
            else:
                return self.done(_("The step was saved."))
        return self.panel(context, status=400)


class StepMoveView(EditorMixin, View):
    permission_required = CHANGE

    def post(self, request, pk):
        try:
            drafts.draft_step_move(
                funnel=self.get_funnel(),
                key=request.POST.get("step", ""),
                direction=request.POST.get("direction", ""),
            )
        except ValidationError as error:
            return self.refused(error)
        return self.done(_("The step was moved."))


class StepDeleteView(EditorMixin, View):
    permission_required = CHANGE

    def post(self, request, pk):
        try:
            drafts.draft_step_delete(
                funnel=self.get_funnel(),
                key=request.POST.get("step", ""),
                keep=request.POST.get("keep") or None,
            )
        except ValidationError as error:
            return self.refused(error)
        return self.done(_("The step was deleted."))


class EditorDiagramView(EditorMixin, View):
    """The diagram's fragment alone (the panel's "Cancel" with htmx)."""

    def get(self, request, pk):
        return self.diagram_response()
