"""Where the top-level folders are: at the top of a checkout, or inside a built wheel."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def resource_dir(name: str) -> Path:
    """`templates`, `static` or `sessions`: at the top of a checkout, or inside a built wheel."""
    packaged = Path(__file__).resolve().parent / "_resources" / name
    return packaged if packaged.is_dir() else ROOT / name
