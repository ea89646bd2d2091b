#!/usr/bin/env bash
# Packs the Linux one-folder build into dist/suishenban-VERSION-linux-x86_64.tar.gz: the program folder, the
# two menu entries and install.sh. Usage: installers/linux/make-tarball.sh [DIST_DIR] (default dist/suishenban).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUNDLE="${1:-$ROOT/dist/suishenban}"
[ -x "$BUNDLE/suishenban" ] || { echo "no build at $BUNDLE: run bash scripts/build first" >&2; exit 1; }
VERSION="$("$ROOT/.venv/bin/python" -c 'from importlib.metadata import version; print(version("suishenban"))')"
NAME="suishenban-$VERSION-linux-$(uname -m)"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
mkdir "$STAGE/$NAME"
cp -a "$BUNDLE" "$STAGE/$NAME/suishenban"
cp "$ROOT/installers/linux/suishenban.desktop" "$ROOT/installers/linux/suishenban-training.desktop" \
   "$ROOT/installers/linux/install.sh" "$STAGE/$NAME/"
chmod +x "$STAGE/$NAME/install.sh"
OUT="$(dirname "$BUNDLE")/$NAME.tar.gz"
tar -C "$STAGE" --owner=0 --group=0 -czf "$OUT" "$NAME"
echo "$OUT"
