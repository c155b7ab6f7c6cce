"""Keep the French translation source in step with the code: ``python -m scripts.i18n``.

Qt's pylupdate5 does not know our ``tr()`` helper (one context, "GeoRedis", for the whole
plugin), so the strings are found with Python's own parser: the first argument of every
``tr("...")`` / ``self.tr("...")`` call under georedis_plugin/ (adjacent literals joined, as
Python joins them). The .ts keeps every existing translation, adds new strings as unfinished and
drops strings the code no longer has. ``make translations`` then compiles it with lrelease.

    python -m scripts.i18n            update georedis_plugin/resources/i18n/georedis_fr.ts
    python -m scripts.i18n --check    exit 1 listing strings without a finished translation
"""

import argparse
import ast
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "georedis_plugin"
TS_DIR = PLUGIN / "resources" / "i18n"
CONTEXT = "GeoRedis"
LANGUAGES = ("fr",)


def source_strings() -> dict:
    """Every translatable string -> the first file:line it appears at."""
    found = {}
    for path in sorted(PLUGIN.rglob("*.py")):
        if "_vendor" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name == "tr" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def ts_path(language: str) -> Path:
    return TS_DIR / f"georedis_{language}.ts"


def read_ts(path: Path) -> dict:
    """source -> (translation, finished) of a .ts file (empty if there is none yet)."""
    if not path.exists():
        return {}
    entries = {}
    for message in ET.parse(path).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        finished = translation is not None and translation.get("type") is None
        entries[source] = ((translation.text or "") if translation is not None else "", finished)
    return entries


def write_ts(path: Path, language: str, strings: dict, known: dict) -> None:
    root = ET.Element("TS", version="2.1", language=language)
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    for source, where in strings.items():
        message = ET.SubElement(context, "message")
        file_name, line = where.rsplit(":", 1)
        ET.SubElement(message, "location", filename=f"../../../{file_name}", line=line)
        ET.SubElement(message, "source").text = source
        text, finished = known.get(source, ("", False))
        translation = ET.SubElement(message, "translation")
        translation.text = text
        if not (finished and text):
            translation.set("type", "unfinished")
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = ET.tostring(root, encoding="unicode")
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8"
    )


def untranslated(language: str) -> list:
    known = read_ts(ts_path(language))
    return [s for s in source_strings() if not (known.get(s, ("", False))[1] and known[s][0])]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only list what is untranslated")
    args = parser.parse_args(argv)
    status = 0
    for language in LANGUAGES:
        if not args.check:
            write_ts(ts_path(language), language, source_strings(), read_ts(ts_path(language)))
        missing = untranslated(language)
        for source in missing:
            print(f"{language}: untranslated: {source!r}")
        status |= bool(missing)
    return status if args.check else 0


if __name__ == "__main__":
    sys.exit(main())
