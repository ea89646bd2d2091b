"""Finding an item (事项) fast: by Chinese, full pinyin or initials (jnhf → 缴纳话费), by category, or by use."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select

from desktop.services.session import Counter
from desktop.store.engine import read
from desktop.store.ledger import LedgerStore, get_meta
from desktop.store.schema import case
from sync.ledger.catalogue import Catalogue, Item


@dataclass(frozen=True)
class _Entry:
    item: Item
    name: str
    pinyin: str  # the usual reading, joined: "jiaonahuafei"
    initials: tuple[frozenset[str], ...]  # per character, every initial its readings may start with


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


class ItemIndex:
    """Built once per catalogue (pypinyin is imported here only); searching is then pure string work."""

    def __init__(self, catalogue: Catalogue) -> None:
        from pypinyin import Style, lazy_pinyin, pinyin

        self.catalogue = catalogue
        entries = []
        for item in catalogue.items:
            letters = pinyin(item.name, style=Style.FIRST_LETTER, heteronym=True, errors=lambda chars: list(chars))
            initials = tuple(frozenset(_fold(reading)[:1] for reading in readings if reading) for readings in letters)
            full = "".join(lazy_pinyin(item.name, errors=lambda chars: list(chars)))
            entries.append(_Entry(item, item.name, _fold(full), initials))
        self._entries = tuple(entries)

    def search(self, text: str, *, category: str | None = None, usage: dict[str, int] | None = None) -> list[Item]:
        """Items matching what was typed, best first; an empty query lists every item (most used first)."""
        query, usage = _fold(text), usage or {}
        scored = []
        for entry in self._entries:
            if category and entry.item.category != category:
                continue
            rank = self._rank(entry, query) if query else 5
            if rank is not None:
                scored.append((rank, -usage.get(entry.item.code, 0), entry.item.seq, entry.item))
        return [row[-1] for row in sorted(scored, key=lambda row: row[:3])]

    @staticmethod
    def _rank(entry: _Entry, query: str) -> int | None:
        if entry.name.startswith(query) or entry.item.code.lower() == query:
            return 0
        if query in entry.name:
            return 1
        starts = _initial_matches(entry.initials, query)
        if starts and starts[0] == 0:
            return 2
        if entry.pinyin.startswith(query):
            return 3
        if starts or query in entry.pinyin:
            return 4
        return None


def _initial_matches(initials: tuple[frozenset[str], ...], query: str) -> list[int]:
    if not query.isascii() or not query.isalpha() or len(query) > len(initials):
        return []
    return [
        start
        for start in range(len(initials) - len(query) + 1)
        if all(letter in initials[start + k] for k, letter in enumerate(query))
    ]


def usage_counts(store: LedgerStore, since_date: str | None = None) -> dict[str, int]:
    """Cases per item at this point (optionally since a business date): the basis of 常用事项."""
    query = select(case.c.item_code, func.count()).group_by(case.c.item_code)
    if since_date:
        query = query.where(case.c.business_date >= since_date)
    with read(store.engine) as conn:
        return {code: n for code, n in conn.execute(query).all()}


def most_used(catalogue: Catalogue, usage: dict[str, int], limit: int = 6) -> list[Item]:
    ranked = sorted((item for item in catalogue.items if usage.get(item.code)), key=lambda i: (-usage[i.code], i.seq))
    return ranked[:limit]


_INDEXES: dict[tuple[str, str], ItemIndex] = {}


def index_for(catalogue: Catalogue) -> ItemIndex:
    """The index for this catalogue version (and township's choice of items), built once per process (warmed
    during login, off the UI thread)."""
    key = (catalogue.version, catalogue.digest, tuple(item.code for item in catalogue.items))
    if key not in _INDEXES:
        _INDEXES[key] = ItemIndex(catalogue)
    return _INDEXES[key]


def point_menu(counter: Counter) -> Catalogue:
    """The items this point offers: an item the catalogue opens in some townships only is offered at the points
    of those townships (the county names the point's township at enrolment)."""
    with read(counter.store.engine) as conn:
        township = get_meta(conn).get("township", "")
    return counter.catalogue.for_township(township)
