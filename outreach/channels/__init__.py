"""The channels behind one door: `send(message)` picks the channel of the message's endpoint.

Each channel module knows one provider's contract (URL, body, signature, error codes) and
raises ChannelError with the provider's own code and text; `transient` says whether a retry
may help (rate limit, network, provider busy) or not (bad key, bad signature, bad template).
"""
from __future__ import annotations

from outreach.channels import dingtalk, email, sms, wecom
from outreach.channels.base import ChannelError, Receipt

SENDERS = {
    "email": email.send,
    "wecom": wecom.send,
    "dingtalk": dingtalk.send,
    "sms": sms.send,
}


def send(message) -> Receipt:
    """Send one Message through its endpoint's channel; raises ChannelError on failure."""
    return SENDERS[message.channel](message)


__all__ = ["ChannelError", "Receipt", "send"]
