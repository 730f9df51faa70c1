"""Authentication backends: django-axes' throttling in front of Django's model backend."""
from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend


class ThrottledLoginBackend(AxesStandaloneBackend):
    """Throttle every login that comes through a request (the login page, the admin).

    Authentication without a request (a management command, a shell, the test client's
    `login()`) has no address to throttle by; axes would refuse it outright, so it passes
    through to the model backend unchecked.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class StaffModelBackend(ModelBackend):
    """Django's model backend, loading the user's staff profile (their role) with the user.

    Every page asks for the role (navigation, permissions): one query per request instead of two.
    """

    def get_user(self, user_id):
        from django.contrib.auth import get_user_model

        try:
            user = get_user_model()._default_manager.select_related("staff_profile").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
