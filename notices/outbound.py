"""Who will be told of a letter outside the system: the question notices asks of the app that
sends the messages (outreach), without importing it.

At issue, each recipient's Delivery starts 待通知 when some channel will carry the letter to it
(e-mail with the PDF, a group robot, SMS) and 仅系统内送达 otherwise, so that 已签发 → 已送达
waits only for messages that will really be sent. Outreach registers its address book here in
its AppConfig.ready and reports each outcome through notices.services.delivery_outbound_record;
it also registers what to do once a letter is issued (announce it: one task per letter), which
notices calls when the issuing transaction commits — an explicit call, not a model signal.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

# (recipient keys of one letter: "city", "unit:<id>", "department:<id>") -> the keys with a channel
AddressBook = Callable[[Iterable[str]], set[str]]
# (the issued letter's id) -> None; called after the issuing transaction commits
IssueListener = Callable[[int], None]


class OutboundHooks:
    def __init__(self) -> None:
        self._books: list[AddressBook] = []
        self._listeners: list[IssueListener] = []

    def address_book(self, book: AddressBook) -> AddressBook:
        if book not in self._books:
            self._books.append(book)
        return book

    def on_issue(self, listener: IssueListener) -> IssueListener:
        if listener not in self._listeners:
            self._listeners.append(listener)
        return listener

    def letter_issued(self, notice_id: int) -> None:
        for listener in self._listeners:
            listener(notice_id)

    def reachable(self, recipient_keys: Iterable[str]) -> set[str]:
        keys = list(recipient_keys)
        found: set[str] = set()
        for book in self._books:
            found |= book(keys)
        return found


hooks = OutboundHooks()
