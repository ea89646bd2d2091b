#!/usr/bin/env bash
# Sets up everything the project needs on a fresh machine: system packages, a virtualenv, the package.
# Idempotent and quick when nothing changed. Sourced by scripts/run and scripts/test.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"

# The counter window's X11 libraries (what PySide6's xcb platform plugin links against; the same list as
# XCB_LIBRARIES in desktop/display.py), fonts config, Xvfb for the window tests, poppler for the print tests,
# eatmydata so the tests' own writes skip fsync (no test can cut the power; scripts/test).
QT_PACKAGES="libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxcb-shape0
  libxcb-randr0 libxcb-xkb1 libxcb-sync1 libxcb-xfixes0 libxcb-shm0 libxcb-util1 libxcb-render0 libxcb1
  libx11-xcb1 libx11-6 libxkbcommon0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libfreetype6 libdbus-1-3
  fontconfig"
# window tests, print tests, .ci/run's second run at another date, the console's browser tests and their CJK font
TEST_PACKAGES="xvfb poppler-utils faketime chromium fonts-wqy-microhei eatmydata"
need_apt=()
if command -v dpkg-query >/dev/null 2>&1; then
  # shellcheck disable=SC2086
  installed="$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $QT_PACKAGES $TEST_PACKAGES 2>/dev/null \
    | awk '$1 == "ii" {print $2}' || true)"
  for pkg in $QT_PACKAGES $TEST_PACKAGES; do
    grep -qx "$pkg" <<<"$installed" || need_apt+=("$pkg")
  done
else
  command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
  command -v faketime >/dev/null 2>&1 || need_apt+=(faketime)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing system packages: ${need_apt[*]}"
    apt-get update -qq >/dev/null || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "setup: the counter window and the tests need these system packages; install them with:" \
      "sudo apt-get install ${need_apt[*]}" >&2
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating virtualenv in .venv"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi

stamp="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing the project and its dependencies"
  "$VENV/bin/python" -m pip install -q -e "$ROOT[test]"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
export PATH="$VENV/bin:$PATH"
