"""Where a form sends its user back to: the page it was posted from, named by that page.

A lower app's view never names a higher app's page (dependencies point down): the page that
holds the form passes `next`; the view returns there when it is a path on this site, and to
its own default otherwise (never to another site: an open redirect)."""
from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def return_path(request, *, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return default
