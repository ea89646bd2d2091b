"""Virtualised tables (cases, mailings): rows are fetched from SQL a page at a time as the view scrolls to them."""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from desktop.services.cases import CaseFilter, CaseQueries, CaseRow, yuan

COLUMNS = (
    ("回执编号", lambda r: r.receipt_no),
    ("日期", lambda r: r.business_date[5:]),
    ("事项", lambda r: r.item_name),
    ("申请人", lambda r: r.applicant),
    ("状态", lambda r: r.state_label),
    ("同步", lambda r: "已同步" if r.synced else "待同步"),
    ("证件号码", lambda r: r.id_masked),
    ("手机", lambda r: r.mobile_masked),
    ("方式", lambda r: r.mode),
    ("金额", lambda r: yuan(r.amount_fen)),
)
AMOUNT_COLUMN = 9
_GREY, _RED = QColor("#5F6B7A"), QColor("#A1221B")


class PagedTableModel(QAbstractTableModel):
    """Knows only the row count and the pages it was asked for (at most MAX_PAGES kept, least recent dropped).

    Subclasses say how to count and fetch (``_count_rows``, ``_fetch``) and what the columns show.
    """

    PAGE = 200
    MAX_PAGES = 20
    COLUMNS: tuple = ()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.filter = None
        self._count = 0
        self._pages: OrderedDict[int, list] = OrderedDict()
        self.page_loads = 0  # for tests and the benchmark: how many SQL pages were fetched

    def _count_rows(self, flt) -> int:
        raise NotImplementedError

    def _fetch(self, flt, offset: int, limit: int, total: int) -> list:
        raise NotImplementedError

    def set_filter(self, flt) -> None:
        self.beginResetModel()
        self.filter = flt
        self._pages.clear()
        self._count = self._count_rows(flt)
        self.endResetModel()

    def refresh(self) -> None:
        self.set_filter(self.filter)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section][0]
        return None

    def row(self, number: int):
        """The row at ``number``, loading its page when needed; None past the end (the ledger changed)."""
        if not 0 <= number < self._count:
            return None
        page_no, offset = divmod(number, self.PAGE)
        page = self._pages.get(page_no)
        if page is None:
            page = self._fetch(self.filter, page_no * self.PAGE, self.PAGE, self._count)
            self.page_loads += 1
            self._pages[page_no] = page
            while len(self._pages) > self.MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page[offset] if offset < len(page) else None

    def cached_rows(self) -> int:
        return sum(len(page) for page in self._pages.values())

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.row(index.row())
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[index.column()][1](row)
        return self.style(row, index.column(), role)

    def style(self, row, column: int, role: int):
        return None


class CaseTableModel(PagedTableModel):
    COLUMNS = COLUMNS

    def __init__(self, queries: CaseQueries, parent=None) -> None:
        super().__init__(parent)
        self.queries = queries
        self.filter = CaseFilter()

    def _count_rows(self, flt: CaseFilter) -> int:
        return self.queries.count(flt)

    def _fetch(self, flt: CaseFilter, offset: int, limit: int, total: int) -> list[CaseRow]:
        return self.queries.page(flt, offset, limit, total=total)

    def style(self, row: CaseRow, column: int, role: int):
        if role == Qt.ItemDataRole.TextAlignmentRole and column == AMOUNT_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.state == "voided":
                return _GREY
            if row.state == "returned":
                return _RED
        return None
