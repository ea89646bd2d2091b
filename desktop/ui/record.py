"""The record page (新登记): pick the item, fill in the form, save with one keystroke; the receipt number follows."""

from __future__ import annotations

import time
from datetime import timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLineEdit, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from desktop.services.items import index_for, most_used, point_menu, usage_counts
from desktop.services.recording import SavedCase, can_complete_at_once, notice_for, save_case
from desktop.services.session import Counter
from desktop.ui.case_dialogs import confirm_dialog
from desktop.ui.case_form import (
    MODE_OPTIONS,
    ApplicantFields,
    MaterialsChecklist,
    NotesField,
    checked_value,
    consent_box,
    radio_row,
)
from desktop.ui.enter_chain import EnterChain, mark_optional
from desktop.ui.item_fields_box import ItemFieldsBox
from desktop.ui.item_picker import ItemPicker
from desktop.ui.messages import MessageBar
from desktop.ui.printing import Printer
from desktop.ui.receipt_panel import ReceiptPanel
from desktop.ui.widgets import Field, button, label
from sync.ledger.catalogue import CLASS_LABELS, FLOW_LABELS, Item
from sync.ledger.forms import CaseForm, FormErrors

CONSENT_QUESTION = (
    "请向群众说明：登记的姓名、证件号码和电话只用于办理“{item}”，按规定保管，到期清除。\n"
    "群众本人同意后，按回车（Enter）确认并保存；不同意请按 Esc 返回。"
)
CONSENT_OK = "本人同意，保存"


class RecordPage(QWidget):
    """``saved(SavedCase)`` after each save; nothing typed is lost when the form has errors."""

    saved = Signal(object)
    go = Signal(str)

    def __init__(self, counter: Counter, messages: MessageBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter, self.messages = counter, messages
        self.item: Item | None = None
        self.timer = time.monotonic  # how long a form is open: a duration, untouched by the PC's clock being set
        self._opened: float | None = None  # when the current form's item was picked
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.menu = point_menu(counter)  # only the items offered in this point's township
        self.picker = ItemPicker(self.menu, index_for(self.menu))
        self.picker.setMaximumWidth(380)
        self.picker.picked.connect(self.choose)
        layout.addWidget(self.picker, 1)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 2)
        self.stack.addWidget(self._build_form())
        self.enter = EnterChain(self, self._enter_stops, self._enter_at_end, self.scroll)
        self.printer = Printer(counter, messages, self)
        self.done = ReceiptPanel(counter, self.printer)
        self.done.again.connect(self.start_over)
        self.done.to_ledger.connect(lambda: self.go.emit("ledger"))
        self.stack.addWidget(self.done)
        QShortcut(
            QKeySequence("Ctrl+S"), self, activated=self.save, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        QShortcut(
            QKeySequence("Ctrl+Return"),
            self,
            activated=self.save_and_complete,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        QShortcut(
            QKeySequence("F9"),
            self,
            activated=self.done.print_receipt,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self.choose(None)

    def _build_form(self) -> QWidget:
        panel = QWidget()
        outer = QVBoxLayout(panel)
        outer.setContentsMargins(0, 0, 0, 0)
        self.item_title = label("② 填写信息", "heading")
        self.item_title.setObjectName("itemTitle")
        outer.addWidget(self.item_title)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        form = QVBoxLayout(body)
        form.setContentsMargins(0, 0, 12, 0)
        self.mode_box, self.mode = radio_row(MODE_OPTIONS, "mode")
        form.addWidget(label("服务方式："))
        form.addWidget(self.mode_box)
        self.applicant = ApplicantFields()
        form.addWidget(self.applicant)
        self.amount = QLineEdit(objectName="amount")
        self.amount.setPlaceholderText("例如 50 或 86.50")
        self.amount_field = Field("金额（元）", self.amount, "代收代缴的钱，原数交给缴费单位，不收手续费")
        form.addWidget(self.amount_field)
        self.item_fields = ItemFieldsBox(self.counter.today)
        self.applicant.mobile.textChanged.connect(self.item_fields.set_applicant_mobile)
        form.addWidget(self.item_fields)
        self.materials_title = label("材料清单（按办事指南逐项核对，收到的点“已收到”，没带的点“缺少”）", "heading")
        form.addWidget(self.materials_title)
        self.all_received = button("全部已收到", name="allReceived")
        self.all_received.clicked.connect(self._all_received)
        form.addWidget(self.all_received, 0, Qt.AlignmentFlag.AlignLeft)
        self.materials = MaterialsChecklist()
        self.materials.changed.connect(self._show_notice)
        form.addWidget(self.materials)
        self.materials_error = label("", "error")
        self.materials_error.hide()
        form.addWidget(self.materials_error)
        self.notice = label("", "muted")
        self.notice.setObjectName("noticePreview")
        form.addWidget(self.notice)
        self.notes = mark_optional(NotesField())
        self.notes_field = Field("备注", self.notes)
        form.addWidget(self.notes_field)
        form.addStretch(1)
        scroll.setWidget(body)
        self.scroll = scroll
        outer.addWidget(scroll, 1)
        # consent sits beside the save buttons, outside the scrolled part: always in sight; Enter past the last
        # field asks it in a dialog when it is not ticked yet (ask_consent), so it is no Enter stop of its own
        self.consent = consent_box()
        mark_optional(self.consent)
        self.consent_dialog: QDialog | None = None
        self.consent_error = label("", "error")
        self.consent_error.setObjectName("consentError")
        self.consent_error.hide()
        outer.addWidget(self.consent)
        outer.addWidget(self.consent_error)
        bar = QHBoxLayout()
        self.save_button = button("保存  Ctrl+S", "primary", name="saveButton")
        self.save_button.clicked.connect(self.save)
        self.complete_button = button("保存并办结  Ctrl+Enter", name="saveCompleteButton")
        self.complete_button.clicked.connect(self.save_and_complete)
        self.clear_button = button("清空重填", name="clearButton")
        self.clear_button.clicked.connect(self.start_over)
        self.summary = label("", "error")
        self.summary.setObjectName("formSummary")
        bar.addWidget(self.save_button)
        bar.addWidget(self.complete_button)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.clear_button)
        outer.addLayout(bar)
        return panel

    # ---- the item ----

    def refresh(self) -> None:
        since = (self.counter.today() - timedelta(days=90)).isoformat()
        usage = usage_counts(self.counter.store, since)
        self.picker.set_usage(usage)
        self.frequent = most_used(self.menu, usage)

    def focus_first(self) -> None:
        """F2: after a save a fresh form; a form being filled in is kept as it is (nothing typed is lost)."""
        if self.stack.currentIndex() != 0:
            self.start_over()
            return
        self.scroll_to_top()
        if self.item is None:
            self.picker.search.setFocus()
        elif not self.isAncestorOf(self.focusWidget()):
            self.applicant.name.setFocus()

    def scroll_to_top(self) -> None:
        self.scroll.verticalScrollBar().setValue(0)

    def choose(self, item: Item | None) -> None:
        self.item = item
        if item is not None and self._opened is None:
            self._opened = self.timer()
        self.summary.setText("")
        if item is None:
            self.item_title.setText("② 填写信息（请先在左边选事项）")
        else:
            self.item_title.setText(
                f"② {item.name}（{CLASS_LABELS[item.points_class]} {item.points} 分 · {FLOW_LABELS[item.flow]}）"
            )
        takes_amount = bool(item and item.takes_amount)
        self.amount_field.setVisible(takes_amount)
        self.item_fields.set_item(item)
        has_materials = bool(item and item.guide.materials)
        kept = self.materials.values()
        self.materials.set_item(item, kept)
        for widget in (self.materials_title, self.all_received):
            widget.setVisible(has_materials)
        self.complete_button.setVisible(bool(item and can_complete_at_once(item)))
        self._tab_chain()
        self._show_notice()
        if item is not None:
            self.applicant.name.setFocus()
        self.scroll_to_top()

    def _chain(self) -> list[QWidget]:
        """The form top to bottom: Tab walks all of it, Enter its required fields (``EnterChain``)."""
        radios = [mark_optional(radio) for group in self.materials.groups.values() for radio in group.buttons()]
        return [
            self.applicant.name,
            self.applicant.number,
            self.applicant.mobile,
            self.applicant.village,
            self.amount,
            *self.item_fields.editors(),
            self.all_received,
            *radios,
            self.notes,
            self.consent,
            self.save_button,
            self.complete_button,
            self.clear_button,
        ]

    def _tab_chain(self) -> None:
        chain = self._chain()
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)
        self.enter.watch(self._enter_stops())

    def _enter_stops(self) -> list[QWidget]:
        """Watched for Enter: the fields, and the consent tick (not a stop itself: Enter past the last field asks)."""
        chain = self._chain()
        return chain[: chain.index(self.consent) + 1]

    def _enter_at_end(self) -> None:
        """Enter past the last field saves once consent is ticked; else consent is asked once, Enter confirms.

        (A payment that is paid at once is saved as done with Ctrl+Enter.)
        """
        if self.consent.isChecked():
            self.save()
        else:
            self.ask_consent()

    def ask_consent(self) -> QDialog:
        """The consent question (群众同意) in words to read out: Enter ticks consent and saves, Esc goes back."""
        item = self.item.name if self.item else "本事项"
        dialog = confirm_dialog(
            "群众同意", CONSENT_QUESTION.format(item=item), self._consent_given, self, ok_text=CONSENT_OK
        )
        dialog.accepted.connect(self.save)
        dialog.return_focus = self.consent  # Esc: back to the tick (after a save it is hidden: 再登记一笔 has it)
        self.consent_dialog = dialog
        dialog.ok.setDefault(True)
        dialog.ok.setFocus()
        dialog.open()
        return dialog

    def _consent_given(self) -> None:
        self.consent.setChecked(True)

    def _all_received(self) -> None:
        self.materials.set_all("received")
        self.enter.advance(self.all_received)

    def _show_notice(self) -> None:
        missing = notice_for(self.item, self.materials.values()) if self.item else ()
        self.notice.setText(f"一次性告知：保存后请告诉群众还缺 {'、'.join(missing)}。" if missing else "")
        self.notice.setVisible(bool(missing))

    # ---- saving ----

    def form(self) -> CaseForm:
        form = CaseForm(item_code=self.item.code if self.item else "", mode=checked_value(self.mode))
        self.applicant.fill(form)
        form.materials = self.materials.values()
        form.amount = self.amount.text() if self.item and self.item.takes_amount else None
        form.details = self.item_fields.values()
        form.notes = self.notes.toPlainText()
        form.consent = self.consent.isChecked()
        if self._opened is not None:  # the county's fraud review reads how long the form was open (填表用时)
            form.form_seconds = round(self.timer() - self._opened)
        return form

    def save(self) -> SavedCase | None:
        return self._save(complete=False)

    def save_and_complete(self) -> SavedCase | None:
        if self.item is None or not can_complete_at_once(self.item):
            return self._save(complete=False)
        return self._save(complete=True)

    def _save(self, *, complete: bool) -> SavedCase | None:
        if self.stack.currentIndex() != 0:
            return None
        self.show_errors({})
        try:
            saved = save_case(self.counter, self.form(), complete=complete)
        except FormErrors as exc:
            self.show_errors(exc.errors)
            return None
        except Exception as exc:
            if self.messages.show_failure(exc):
                return None
            raise
        self.done.show_saved(saved)
        if saved.clock_note:
            self.messages.show_message(saved.clock_note, warning=True)
        self.stack.setCurrentWidget(self.done)
        self.done.again_button.setFocus()
        self.saved.emit(saved)
        return saved

    def show_errors(self, errors: dict[str, str]) -> None:
        fields = self.applicant.fields
        targets = {
            "name": fields["name"],
            "id_number": fields["number"],
            "credit_code": fields["number"],
            "mobile": fields["mobile"],
            "village": fields["village"],
            "amount": self.amount_field,
            "notes": self.notes_field,
            **self.item_fields.fields,
        }
        for field in {*targets.values()}:
            field.set_error("")
        material_errors = [m for k, m in errors.items() if k == "materials" or k.startswith("materials.")]
        self.materials_error.setText("\n".join(material_errors))
        self.materials_error.setVisible(bool(material_errors))
        self.consent_error.setText(errors.get("consent", ""))
        self.consent_error.setVisible("consent" in errors)
        other = []
        for key, message in errors.items():
            if key in targets:
                targets[key].set_error(message)
            elif key not in ("consent", "materials") and not key.startswith("materials."):
                other.append(message)
        if not errors:
            self.summary.setText("")
            return
        lead = "还不能保存：" + "；".join(other) if other else f"还不能保存，有 {len(errors)} 处要改（见红字）。"
        self.summary.setText(lead)
        first = next((targets[k] for k in errors if k in targets), None)
        if first is not None:
            first.editor.setFocus()
            self.scroll.ensureWidgetVisible(first)
        elif "consent" in errors:
            self.consent.setFocus()

    def start_over(self) -> None:
        self.applicant.clear()
        self.amount.clear()
        self.notes.clear()
        self.consent.setChecked(False)
        set_mode = self.mode.buttons()[0]
        set_mode.setChecked(True)
        self.show_errors({})
        self.picker.search.clear()
        self._opened = None
        self.choose(None)
        self.stack.setCurrentIndex(0)
        self.scroll_to_top()
        self.picker.search.setFocus()
