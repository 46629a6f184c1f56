from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Authenticates by e-mail address, case-insensitively."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username or kwargs.get("email")
        if not email or password is None:
            return None
        user_model = get_user_model()
        try:
            user = user_model.objects.get_by_natural_key(email)
        except user_model.DoesNotExist:
            # Run the hasher anyway so timing does not reveal which e-mails exist.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
