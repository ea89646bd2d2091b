"""The installed app version (from the package metadata), for the about box and reports."""

from __future__ import annotations

from importlib import metadata


def app_version() -> str:
    try:
        return metadata.version("suishenban")
    except metadata.PackageNotFoundError:
        return "开发版"
