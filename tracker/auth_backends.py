"""Authentication backends: django-axes' throttling in front of Django's model backend."""
from axes.backends import AxesStandaloneBackend


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
