"""A person-readable name for the device behind a User-Agent header."""

from functools import lru_cache

import ua_parser
from django.utils.translation import gettext


@lru_cache(maxsize=512)
def _families(user_agent: str) -> tuple[str, str]:
    result = ua_parser.parse(user_agent)
    browser = result.user_agent.family if result.user_agent else ""
    system = result.os.family if result.os else ""
    return browser, system


def device_describe(user_agent: str) -> str:
    """ "Firefox on Android", "Chrome on Windows"...; the raw header when unknown."""
    user_agent = (user_agent or "").strip()
    if not user_agent:
        return ""
    browser, system = _families(user_agent)
    if browser and system:
        return gettext("%(browser)s on %(system)s") % {
            "browser": browser,
            "system": system,
        }
    return browser or system or user_agent
