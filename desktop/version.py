"""The installed app version (from the package metadata): shown in 设置/关于 and crash reports, sent at enrolment
and with every sync so the county knows who runs what."""

from __future__ import annotations

from importlib import metadata

SOURCE_VERSION = "0.0.0+source"  # running from a checkout that was never installed


def app_version() -> str:
    try:
        return metadata.version("suishenban")
    except metadata.PackageNotFoundError:
        return SOURCE_VERSION
