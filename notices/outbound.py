"""Who will be told of a letter outside the system: the question notices asks of the app that
sends the messages (outreach), without importing it.

At issue, each recipient's Delivery starts 待通知 when some channel will carry the letter to it
(e-mail with the PDF, a group robot, SMS) and 仅系统内送达 otherwise, so that 已签发 → 已送达
waits only for messages that will really be sent. Outreach registers its address book here in
its AppConfig.ready and reports each outcome through notices.services.delivery_outbound_record.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

# (recipient keys of one letter: "city", "unit:<id>", "department:<id>") -> the keys with a channel
AddressBook = Callable[[Iterable[str]], set[str]]


class OutboundRegistry:
    def __init__(self) -> None:
        self._books: list[AddressBook] = []

    def register(self, book: AddressBook) -> AddressBook:
        if book not in self._books:
            self._books.append(book)
        return book

    def reachable(self, recipient_keys: Iterable[str]) -> set[str]:
        keys = list(recipient_keys)
        found: set[str] = set()
        for book in self._books:
            found |= book(keys)
        return found


address_books = OutboundRegistry()
