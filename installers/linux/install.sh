#!/bin/sh
# Installs or upgrades 乡村随身办 for this user, no root needed: the program goes to ~/.local/opt/suishenban,
# the menu entries (乡村随身办, 培训模式) to ~/.local/share/applications. `sh install.sh --uninstall` removes
# both. The ledger is never touched: it lives in ~/.local/share/suishenban (see desktop/paths.py).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
APPDIR=${SUISHENBAN_PREFIX:-$HOME/.local/opt/suishenban}
MENU=${XDG_DATA_HOME:-$HOME/.local/share}/applications
DATA=${XDG_DATA_HOME:-$HOME/.local/share}/suishenban

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$APPDIR"
  rm -f "$MENU/suishenban.desktop" "$MENU/suishenban-training.desktop"
  echo "乡村随身办已卸载。台账保留在 $DATA ；确实不再需要时，可以自己删除这个文件夹。"
  exit 0
fi

mkdir -p "$(dirname "$APPDIR")" "$MENU"
# Upgrade in place: the new program is copied beside the old one, then swapped in.
rm -rf "$APPDIR.new" "$APPDIR.old"
cp -a "$HERE/suishenban" "$APPDIR.new"
if [ -d "$APPDIR" ]; then mv "$APPDIR" "$APPDIR.old"; fi
mv "$APPDIR.new" "$APPDIR"
rm -rf "$APPDIR.old"
for entry in suishenban.desktop suishenban-training.desktop; do
  sed "s|@APPDIR@|$APPDIR|g" "$HERE/$entry" > "$MENU/$entry"
done
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$MENU" >/dev/null 2>&1 || true
echo "乡村随身办已安装到 $APPDIR ，在应用菜单里可以找到“乡村随身办”和“乡村随身办 培训模式”。"
echo "台账在 $DATA ，升级和卸载都不会动它。"
