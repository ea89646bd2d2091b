"""What a restore (台账恢复) tells the agent: which backup, what came back, what may be missing, which receipts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop.store.backup import BackupInfo


class StoreDamaged(Exception):
    """The ledger file is proven damaged (failed check, unreadable page): restore, then salvage."""


class StoreUnrecoverable(Exception):
    """Nothing usable to restore from; the damaged file is kept for the county."""


@dataclass(frozen=True)
class RecoveryReport:
    reason: str
    damaged_copy: Path | None  # where the damaged file was moved; None when there was no file at all
    backup: BackupInfo | None
    backup_seq: int  # last event the backup held
    salvaged: int  # events read back from the damaged file after the backup
    recovered_seq: int  # last event in the restored ledger
    damaged_max_seq: int | None  # last event the damaged file or the head mark says was saved, if known
    behind: bool = False  # the ledger was behind its head mark: saves reported done had gone from the file
    receipts_to_check: tuple[tuple[str, str], ...] = ()  # (first, last) receipt numbers no longer in the ledger

    @property
    def lost(self) -> int | None:
        """Events known to be lost, or None when nothing could tell how many there were."""
        if self.damaged_max_seq is None:
            return None
        return max(0, self.damaged_max_seq - self.recovered_seq)

    def message(self) -> str:
        """What the agent is told, in plain words."""
        if self.behind:
            parts = [
                "台账文件比上次保存到的位置少了记录（可能是电脑异常关机后，台账文件夹里的文件被删除或没有复制全），已自动恢复。"
            ]
        else:
            parts = ["台账文件检查时发现损坏，已自动恢复。"]
        if self.backup:
            parts.append(f"使用了 {self.backup.made_at:%Y年%m月%d日 %H:%M} 的自动备份（含前 {self.backup_seq} 条记录）")
            parts.append(f"，并从原来的文件中找回了之后的 {self.salvaged} 条记录。" if self.salvaged else "。")
        else:
            parts.append(f"没有可用的备份，从原来的文件中找回了 {self.salvaged} 条记录。")
        if self.lost == 0:
            parts.append("所有记录都已找回，没有丢失。")
        elif self.lost:
            parts.append(
                f"有 {self.lost} 条记录（第 {self.recovered_seq + 1} 到第 {self.damaged_max_seq} 条）无法找回，"
                "已同步到县里的部分县里仍有；请核对这段时间的纸质回执并补登。"
            )
        else:
            parts.append("原来的文件无法读出它原有多少条记录；请核对备份时间之后的纸质回执，缺的请补登。")
        if self.receipts_to_check:
            ranges = "、".join(
                first if first == last else f"{first} 到 {last}" for first, last in self.receipts_to_check
            )
            parts.append(f"请对照纸质回执核对这些回执编号的办件并补登：{ranges}。")
        parts.append("以后的回执编号会跳过已经用过的号，不会重复。")
        if self.damaged_copy is not None:
            parts.append(f"原来的文件已另存为 {self.damaged_copy.name}，请勿删除。")
        return "".join(parts)
