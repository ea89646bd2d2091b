"""Bundled data and assets, read only through this module (works from source and when frozen)."""

from __future__ import annotations

import json
from importlib import resources as _res
from importlib.resources.abc import Traversable
from typing import Any


def path(*parts: str) -> Traversable:
    """A bundled file or folder, e.g. ``path("catalogue", "v1", "items.json")``."""
    node = _res.files(__name__)
    for part in parts:
        node = node.joinpath(part)
    return node


def read_text(*parts: str) -> str:
    return path(*parts).read_text(encoding="utf-8")


def read_json(*parts: str) -> Any:
    return json.loads(read_text(*parts))
