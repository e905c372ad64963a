"""Files: atomic writes, the checked output paths, the versioned run file, provenance.

**Atomic.**  Every file the package writes goes through :func:`atomic_file` (or
:func:`atomic_write`): the bytes go to a temporary file beside the target, are flushed to
disk, and the temporary file is renamed onto the target (``os.replace``, atomic on POSIX).
An interruption leaves the old file or nothing, never a torn one; a reader never sees a
half-written file.  A directory (``aesgd verify --report DIR``) is built the same way by
:func:`atomic_directory`, in a temporary folder beside it that is renamed into place.

**The path written is exactly the one given.**  :func:`output_path` refuses an empty path,
a folder, a missing or unwritable parent folder and (when a suffix is required) a wrong
suffix, each with one line naming the parameter.

**Run files.**  :func:`save_run` writes a :class:`numerics.result.SimulationResult` as an
``.npz`` of format :data:`RUN_FORMAT`, version :data:`RUN_VERSION` (layout below), with its
parameters and provenance as JSON text; :func:`load_run` reads it back without ever
unpickling and refuses another format or version.

=============== ============ ==============================================================
key             dtype, shape meaning
=============== ============ ==============================================================
``format``      str, ()      ``"aesgd-run"``
``version``     int64, ()    the layout version (1)
``params``      str, ()      JSON: the run's parameters (``SimulationResult.params``)
``provenance``  str, ()      JSON: :func:`provenance` of the run
``seed_ids``    int64, (S,)  the seed index of each run
``a0``, ``a``   f8, (S, n)   data coordinates at the start and at the end
``perp0``,      f8, (S,)     norm of the part of w orthogonal to the data, start and end
``perp``
``diverged_at`` int64, (S,)  the step a run diverged at, -1 if it did not
=============== ============ ==============================================================
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import platform
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from theory.domain import DomainError

__all__ = [
    "RUN_FORMAT",
    "RUN_VERSION",
    "RunFile",
    "atomic_directory",
    "atomic_file",
    "atomic_write",
    "git_commit",
    "load_real_array",
    "load_run",
    "output_path",
    "provenance",
    "save_run",
    "version",
]

def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give a new file

RUN_FORMAT = "aesgd-run"
RUN_VERSION = 1
_ARRAYS = ("seed_ids", "a0", "a", "perp0", "perp", "diverged_at")


def output_path(name: str, value: object, suffix: str | None = None) -> Path:
    """``value`` as the path of a file to write, checked: not empty, not a folder, its
    folder exists and is writable, and (with ``suffix``) it ends in ``suffix``."""
    if not isinstance(value, str | os.PathLike) or not str(value).strip():
        raise DomainError(name, value, "a file path (it is empty)")
    path = Path(value)
    if path.is_dir():
        raise DomainError(name, str(value), "a file path (it is a folder)")
    if suffix is not None and path.suffix != suffix:
        raise DomainError(name, str(value), f"a path ending in {suffix}")
    parent = path.parent
    if not parent.is_dir():
        raise DomainError(name, str(value), f"in an existing folder ({str(parent)!r} is not one)")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DomainError(name, str(value), f"in a writable folder ({str(parent)!r} is not)")
    return path


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """A file object whose content replaces ``path`` atomically when the block ends
    without an exception (the temporary file is removed otherwise)."""
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                   suffix=".tmp")
    except OSError as exc:  # name the file the user asked for, not the temporary one
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    try:
        os.chmod(tmp, _FILE_MODE)
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; returns the path."""
    with atomic_file(path, "wb") as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str], overwrite: bool = False
                     ) -> Iterator[Path]:
    """A temporary folder beside ``path`` to build its content in, renamed onto ``path``
    when the block ends without an exception (removed otherwise).

    An existing non-empty ``path`` is refused unless ``overwrite``; then the old folder
    is moved aside, the new one renamed into place and the old one removed, so an
    interruption leaves the old folder, or nothing, never a half-written one.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise DomainError("report", str(path), "a folder path (a file is in the way)")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise DomainError("report", str(path), "a new or empty folder (pass --overwrite to "
                          "replace it)")
    if not target.parent.is_dir():
        raise DomainError("report", str(path),
                          f"in an existing folder ({str(target.parent)!r} is not one)")
    build = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        yield build
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old."))
            os.replace(target, old / "content")
        os.replace(build, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise


def load_real_array(name: str, path: str, max_entries: int | None = None) -> np.ndarray:
    """The one real array of a .npy file, as float64 (``allow_pickle=False``: a pickled
    object is refused, never loaded); a :class:`theory.domain.DomainError` naming ``name``
    otherwise.  The file is mapped first, so an array of more than ``max_entries`` entries
    is refused before it is read into memory."""
    try:
        arr = np.load(path, allow_pickle=False, mmap_mode="r")
    except OSError as exc:
        raise DomainError(name, path, f"a readable .npy file ({exc.strerror or exc})"
                          ) from None
    except ValueError:
        raise DomainError(name, path, "a valid .npy file holding one float array "
                          "(pickled objects are never loaded)") from None
    if not isinstance(arr, np.ndarray) or not (np.issubdtype(arr.dtype, np.integer)
                                               or np.issubdtype(arr.dtype, np.floating)):
        raise DomainError(name, path, "a .npy file holding one real (integer or float) "
                          "array")
    if max_entries is not None and arr.size > max_entries:
        raise DomainError(name, f"{path} with {arr.size} entries",
                          f"an array of at most {max_entries} entries")
    return np.array(arr, dtype=float)


def version() -> str:
    """The installed version of aesgd (``unknown`` when not installed)."""
    try:
        return importlib.metadata.version("aesgd")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def git_commit(start: Path | None = None) -> str | None:
    """The commit of the checkout the package runs from (read from ``.git``; no
    subprocess), or None outside a git checkout."""
    here = (start or Path(__file__)).resolve()
    for folder in (here, *here.parents):
        git = folder / ".git"
        if git.is_file():  # a worktree: "gitdir: <path>"
            text = git.read_text(encoding="utf-8").strip()
            git = (folder / text.partition("gitdir:")[2].strip()).resolve()
        if not git.is_dir():
            continue
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref:"):
            return head or None
        ref = head.partition("ref:")[2].strip()
        common = git
        if (git / "commondir").is_file():
            common = (git / (git / "commondir").read_text(encoding="utf-8").strip()).resolve()
        for base in (git, common):
            if (base / ref).is_file():
                return (base / ref).read_text(encoding="utf-8").strip()
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                sha, _, name = line.partition(" ")
                if name == ref:
                    return sha
        return None
    return None


def _dist_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def provenance(argv: Sequence[str] | None = None, seeds: dict[str, Any] | None = None
               ) -> dict[str, Any]:
    """Where a result comes from: the library version, the git commit (when run from a
    checkout), Python and the versions of numpy, sympy, mpmath, scipy, the command line
    and the seeds."""
    return {
        "aesgd": version(),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        **{lib: _dist_version(lib) for lib in ("numpy", "sympy", "mpmath", "scipy")},
        "command": list(sys.argv if argv is None else argv),
        "seeds": seeds or {},
    }


def save_run(result: Any, path: str | os.PathLike[str],
             argv: Sequence[str] | None = None) -> Path:
    """``result`` (a SimulationResult) as a run file at ``path``, atomically."""
    target = output_path("save", os.fspath(path), ".npz")
    params = dict(result.params)
    prov = provenance(argv, {"seed": params.get("seed"),
                             "seed_offset": params.get("seed_offset"),
                             "seeds": params.get("seeds")})
    arrays: dict[str, Any] = {k: np.asarray(getattr(result, k)) for k in _ARRAYS}
    arrays.update(format=np.array(RUN_FORMAT), version=np.array(RUN_VERSION),
                  params=np.array(json.dumps(params, sort_keys=True, default=str)),
                  provenance=np.array(json.dumps(prov, sort_keys=True, default=str)))
    with atomic_file(target, "wb") as handle:
        np.savez(handle, **arrays)
    return target


@dataclass(frozen=True)
class RunFile:
    """What :func:`load_run` read: the parameters, the provenance and the arrays."""

    params: dict[str, Any]
    provenance: dict[str, Any]
    arrays: dict[str, np.ndarray]


def load_run(path: str | os.PathLike[str]) -> RunFile:
    """A run file written by :func:`save_run` (never unpickled; another format or version
    is refused with one line)."""
    p = Path(path)
    if not p.is_file():
        raise DomainError("path", str(path), "an existing run file (.npz)")
    try:
        with open(p, "rb") as handle, np.load(handle, allow_pickle=False) as data:
            fmt = str(data["format"]) if "format" in data.files else None
            ver = int(data["version"]) if "version" in data.files else None
            if fmt != RUN_FORMAT or ver != RUN_VERSION:
                raise DomainError("path", str(path), f"a {RUN_FORMAT} file of version "
                                  f"{RUN_VERSION} (found format {fmt!r}, version {ver})")
            missing = [k for k in (*_ARRAYS, "params", "provenance") if k not in data.files]
            if missing:
                raise DomainError("path", str(path), f"a complete run file (missing {missing})")
            return RunFile(json.loads(str(data["params"])), json.loads(str(data["provenance"])),
                           {k: np.array(data[k]) for k in _ARRAYS})
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        if isinstance(exc, DomainError):
            raise
        raise DomainError("path", str(path), f"a readable .npz run file ({exc})") from None
