"""The site's home page (``/``): the business, and the way in for each visitor."""

from django.views.generic import TemplateView


class SiteHomeView(TemplateView):
    """Public: the customer login and sign-up, the staff login; someone logged in
    is pointed at their own area (a staff member logged in as a customer is that
    customer here, as everywhere in the customer area)."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "is_customer": user.is_authenticated and hasattr(user, "customer"),
            "is_staff": user.is_authenticated
            and user.is_staff
            and not hasattr(user, "customer"),
        }
