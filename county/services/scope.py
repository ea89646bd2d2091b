"""What one staff account may see (数据范围), in one place: every console query of points and cases goes through it.

A township's staff see their township's points and those points' cases; a department's staff see the cases of
the items their unit handles (附件1, the newest catalogue) wherever they were received; the bureau and
finance/audit see the whole county. Pages never filter on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import Session

from county.models import Case, Consultation, Mailing, Point, PointApplication, StaffUser, Township
from county.services.staff import StaffRole
from sync.ledger.catalogue import load_catalogue


def unit_item_codes(unit_code: str) -> frozenset[str]:
    """The items whose guide names this handling unit."""
    return frozenset(item.code for item in load_catalogue().items if unit_code in item.guide.unit_codes)


@dataclass(frozen=True)
class Scope:
    role: StaffRole
    township_id: int | None = None
    item_codes: frozenset[str] | None = None  # department staff: the items of their unit
    unit_code: str | None = None  # department staff: their handling unit (consultations routed to it)

    @classmethod
    def of(cls, user: StaffUser) -> Scope:
        role = StaffRole(user.role)
        if role is StaffRole.TOWNSHIP:
            return cls(role, township_id=user.township_id)
        if role is StaffRole.DEPARTMENT:
            return cls(role, item_codes=unit_item_codes(user.unit_code or ""), unit_code=user.unit_code or "")
        return cls(role)

    @property
    def county_wide(self) -> bool:
        return self.role in (StaffRole.BUREAU_ADMIN, StaffRole.BUREAU_CLERK, StaffRole.FINANCE)

    def point_filter(self) -> ColumnElement[bool]:
        """Which points: a township's own; a department works cases, not points, and sees none listed."""
        if self.county_wide:
            return true()
        if self.role is StaffRole.TOWNSHIP:
            return Point.township_id == self.township_id
        return false()

    def case_filter(self) -> ColumnElement[bool]:
        if self.county_wide:
            return true()
        if self.role is StaffRole.TOWNSHIP:
            return Case.point_id.in_(select(Point.id).where(Point.township_id == self.township_id))
        return Case.item_code.in_(sorted(self.item_codes or ())) if self.item_codes else false()

    def case_filter_named(self, session: Session) -> ColumnElement[bool]:
        """``case_filter`` with a township's points read first and named one by one: a database walking an index
        in another order (the case list's, newest first) can then check them in the index, not through a join.
        On SQLite the column is written ``point_id + 0``, which no index matches: SQLite would otherwise read the
        township's cases by point and sort every one of them before the first page."""
        if self.role is StaffRole.TOWNSHIP:
            ids = list(session.scalars(select(Point.id).where(Point.township_id == self.township_id)))
            column = Case.point_id + 0 if session.get_bind().dialect.name == "sqlite" else Case.point_id
            return column.in_(ids)
        return self.case_filter()

    @property
    def whole_points(self) -> bool:
        """Whether the scope holds every case of each point it sees (the monthly cap is a point's, over all items)."""
        return self.county_wide or self.role is StaffRole.TOWNSHIP

    @property
    def sees_mailings(self) -> bool:
        """A mailing names no item: a department's statistics leave mailings out."""
        return self.whole_points

    def mailing_filter(self) -> ColumnElement[bool]:
        if self.county_wide:
            return true()
        if self.role is StaffRole.TOWNSHIP:
            return Mailing.point_id.in_(select(Point.id).where(Point.township_id == self.township_id))
        return false()

    def township_filter(self) -> ColumnElement[bool]:
        """Which townships a figure is broken down by: a township's own; every other role the whole county's."""
        if self.role is StaffRole.TOWNSHIP:
            return Township.id == self.township_id
        return true()

    @property
    def sees_consultations(self) -> bool:
        """Consultations go to the bureau or a department; townships answer none, finance/audit reads them all."""
        return self.role is not StaffRole.TOWNSHIP

    def consultation_filter(self) -> ColumnElement[bool]:
        if self.county_wide:
            return true()
        if self.role is StaffRole.DEPARTMENT and self.unit_code:
            return Consultation.unit_code == self.unit_code
        return false()

    @property
    def sees_applications(self) -> bool:
        """Applications for new points (申请): a township its own, the bureau and finance/audit all; no department."""
        return self.role is not StaffRole.DEPARTMENT

    def application_filter(self) -> ColumnElement[bool]:
        if self.county_wide:
            return true()
        if self.role is StaffRole.TOWNSHIP:
            return PointApplication.township_id == self.township_id
        return false()

    def applications(self) -> Select:
        return select(PointApplication).where(self.application_filter())

    def consultations(self) -> Select:
        return select(Consultation).where(self.consultation_filter())

    def points(self) -> Select:
        return select(Point).where(self.point_filter())

    def cases(self) -> Select:
        return select(Case).where(self.case_filter())

    def case(self, session: Session, case_id: str) -> Case | None:
        """One case, if this account may see it (None either way it is not: not found and not yours look alike)."""
        return session.scalar(self.cases().where(Case.case_id == case_id))

    def point(self, session: Session, code: str) -> Point | None:
        return session.scalar(self.points().where(Point.code == code))
