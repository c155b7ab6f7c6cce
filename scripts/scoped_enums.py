"""Find Qt / QGIS enum values written unscoped (``Qt.AlignLeft``), which PyQt6 and QGIS 4 refuse.

flake8-qgis (QGS403) knows a list of Qt enums only; this check asks the running QGIS instead.
Every ``Name.attr.attr...`` chain whose first name was imported from ``qgis`` or ``PyQt`` is
looked up for real: a value that is an enum member, reached from something that is not its enum
(``Qt.AlignLeft`` rather than ``Qt.AlignmentFlag.AlignLeft``), is reported. So is a name that
this QGIS does not have at all, which is how a scoped name missing from a newer or older QGIS
shows up when the check runs there (the test matrix runs it through tests/test_qt6_readiness.py).
``georedis_plugin/core/compat.py`` is skipped: it alone names things that differ by version.

    python -m scripts.scoped_enums [PATH...]    exit 1 listing findings (default: the project)
"""

import argparse
import ast
import enum
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATHS = ("georedis_plugin", "scripts", "tests")
SKIPPED_PARTS = {"_vendor", "__pycache__"}
SKIPPED_FILES = {ROOT / "georedis_plugin" / "core" / "compat.py"}


def is_enum_member(value) -> bool:
    """True for a PyQt5/sip enum member (an int of an ``enumtype``) or a PyQt6 ``enum.Enum``."""
    if isinstance(value, enum.Enum):
        return True
    return isinstance(value, int) and type(type(value)).__name__ == "enumtype"


def is_enum_type(value) -> bool:
    return isinstance(value, type) and (
        issubclass(value, enum.Enum) or type(value).__name__ == "enumtype"
    )


def _imported_names(tree: ast.AST) -> dict:
    """Local name -> object, for every name the file imports from qgis or PyQt."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in ("qgis", "PyQt5", "PyQt6"):
                continue
            try:
                module = importlib.import_module(node.module)
            except ImportError:
                continue
            for alias in node.names:
                value = getattr(module, alias.name, None)
                if isinstance(value, type) or type(value).__name__ == "module":
                    names[alias.asname or alias.name] = value  # not qgis.utils.iface (None)
    return names


def _chain(node: ast.Attribute):
    """``Qt.AlignmentFlag.AlignLeft`` -> ("Qt", ["AlignmentFlag", "AlignLeft"]), else None."""
    attrs = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    return (node.id, attrs[::-1]) if isinstance(node, ast.Name) else None


def check_source(source: str, filename: str = "<string>") -> list:
    """Findings in ``source`` as ``(line, column, message)``."""
    tree = ast.parse(source, filename)
    names = _imported_names(tree)
    inner = set()  # attribute nodes that are the .value of a longer chain
    findings = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            inner.add(id(node.value))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or id(node) in inner:
            continue
        chain = _chain(node)
        if chain is None or chain[0] not in names:
            continue
        root, attrs = chain
        owner, written = names[root], root
        for attr in attrs:
            try:
                value = getattr(owner, attr)
            except AttributeError:
                findings.append(
                    (node.lineno, node.col_offset, f"{written}.{attr} does not exist here")
                )
                break
            if is_enum_member(value) and not is_enum_type(owner):
                scoped = f"{type(value).__qualname__}.{attr}"
                findings.append(
                    (node.lineno, node.col_offset, f"unscoped enum {written}.{attr}: {scoped}")
                )
                break
            if not isinstance(value, type) and not hasattr(value, "__dict__"):
                break  # a plain value (a string constant, a version number): nothing below
            owner, written = value, f"{written}.{attr}"
    return sorted(set(findings))


def python_files(paths) -> list:
    files = []
    for path in paths:
        path = Path(path).resolve()
        candidates = [path] if path.is_file() else sorted(path.rglob("*.py"))
        files.extend(
            p
            for p in candidates
            if p not in SKIPPED_FILES and not SKIPPED_PARTS.intersection(p.parts)
        )
    return files


def check_paths(paths=DEFAULT_PATHS) -> list:
    """Findings under ``paths`` (relative to the project) as ``path:line:col: message`` lines."""
    lines = []
    for path in python_files(ROOT / p for p in paths):
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for line, column, message in check_source(path.read_text(encoding="utf-8"), str(path)):
            lines.append(f"{shown}:{line}:{column + 1}: {message}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=list(DEFAULT_PATHS))
    args = parser.parse_args(argv)
    findings = check_paths(args.paths)
    for finding in findings:
        print(finding)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
