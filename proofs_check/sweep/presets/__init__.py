"""The shipped sweep configurations: ``aesgd sweep preset NAME`` prints one.

Each preset is a TOML file beside this module; its ``name`` and ``description`` label it.

>>> "tiny" in preset_names()
True
>>> parse_config(preset_text("tiny")).run["seeds"]
6
"""

from __future__ import annotations

import tomllib
from importlib import resources

from ..config import SweepConfigError, parse_config

__all__ = ["parse_config", "preset_names", "preset_text"]


def _files() -> dict[str, str]:
    here = resources.files(__name__)
    return {p.name[:-5]: p.read_text("utf-8") for p in here.iterdir()
            if p.name.endswith(".toml")}


def preset_names() -> dict[str, str]:
    """Every preset's name and description, sorted by name."""
    return {name: str(tomllib.loads(text).get("description", ""))
            for name, text in sorted(_files().items())}


def preset_text(name: str) -> str:
    """The TOML text of preset ``name``."""
    files = _files()
    if name not in files:
        raise SweepConfigError(f"NAME={name!r} must be one of {', '.join(sorted(files))}",
                               "name")
    return files[name]
