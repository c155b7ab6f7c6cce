"""Run a QGIS Python (python3, qgis_process.bin) as if some packages were not installed.

A PYTHONPATH folder holding a sitecustomize.py that, at start-up, replaces every sys.path entry
holding one of the hidden packages (Debian's /usr/lib/python3/dist-packages with its
python3-redis, a venv's site-packages) by a folder of symlinks to everything else in it. QGIS,
PyQt and the rest stay importable; ``import redis`` fails as on a machine without it. Nothing is
faked: what stays visible is the real installed code.
"""

from pathlib import Path

SITECUSTOMIZE = """\
import os
import sys

HIDDEN = {hidden!r}
KEEP = {keep!r}
FARMS = {farms!r}


def _key(name):
    return name.lower().split("-")[0].split(".")[0]


for _index, _entry in enumerate(list(sys.path)):
    if not _entry or _entry in KEEP or not os.path.isdir(_entry):
        continue
    _names = os.listdir(_entry)
    if not any(_key(name) in HIDDEN for name in _names):
        continue
    _farm = os.path.join(FARMS, str(_index))
    os.makedirs(_farm, exist_ok=True)
    for _name in _names:
        if _key(_name) not in HIDDEN and not os.path.lexists(os.path.join(_farm, _name)):
            os.symlink(os.path.join(_entry, _name), os.path.join(_farm, _name))
    sys.path[_index] = _farm
"""


def hiding(folder: Path, hidden, keep=()) -> Path:
    """A folder to put first on PYTHONPATH: the packages ``hidden`` are not importable then,
    but from the folders in ``keep`` (and from ``folder`` itself)."""
    folder.mkdir(parents=True, exist_ok=True)
    farms = folder / "farms"
    farms.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        SITECUSTOMIZE.format(
            hidden=sorted(hidden), keep=sorted({str(folder), *map(str, keep)}), farms=str(farms)
        ),
        encoding="utf-8",
    )
    return folder
