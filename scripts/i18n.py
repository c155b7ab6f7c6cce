"""Keep the French translation source in step with the code: ``python -m scripts.i18n``.

Qt's pylupdate5 does not know our ``tr()`` helper (one context, "GeoRedis", for the whole
plugin), so the strings are found with Python's own parser under georedis_plugin/:

- the text of every ``tr(...)`` / ``self.tr(...)`` / ``QCoreApplication.translate("GeoRedis",
  ...)`` call (adjacent literals joined, as Python joins them);
- where that text is a name, the module constant it names, followed through imports, tuples,
  lists, dict values, subscripts and loops over them (``tr(UNIT_LABELS[unit])``,
  ``[self.tr(u) for u in UNIT_LABELS]``, ``self.tr(CACHE_HELP).format(...)``);
- every ``QT_TRANSLATE_NOOP("GeoRedis", "...")``, Qt's mark of a constant translated later.

A ``tr()`` of anything else (an f-string, a variable, a concatenation) is listed as a problem:
its text cannot be known before it runs, so it would never reach the .ts. Put ``{placeholders}``
in the translated text and ``.format()`` the translation. So are literals shown to the user
without ``tr()``: texts passed to widgets, messages, errors, feedback and Processing parameter
descriptions (``hidden_strings``).

The .ts keeps every existing translation, adds new strings as unfinished and drops strings the
code no longer has. ``make translations`` then compiles it with lrelease.

    python -m scripts.i18n            update georedis_plugin/resources/i18n/georedis_fr.ts
    python -m scripts.i18n --check    exit 1 listing strings without a finished translation,
                                      texts tr() cannot be followed to and hidden strings
"""

import argparse
import ast
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "georedis_plugin"
TS_DIR = PLUGIN / "resources" / "i18n"
CONTEXT = "GeoRedis"
LANGUAGES = ("fr",)
NOOP_MARKS = {"QT_TRANSLATE_NOOP": 1, "QT_TR_NOOP": 0}  # mark -> index of the text
# Calls whose string arguments the user reads (widgets, message bar and log, Processing
# feedback, errors, tasks); for Processing parameters and outputs only the description.
SHOWN = {
    "setText", "setToolTip", "setWindowTitle", "setTitle", "addItem", "addItems",
    "setPlaceholderText", "setSpecialValueText", "setStatusTip", "setWhatsThis", "setSuffix",
    "setPrefix", "setTabText", "addTab", "setHeaderLabels", "addRow", "setHelp",
    "QLabel", "QPushButton", "QCheckBox", "QGroupBox", "QRadioButton", "QAction", "QToolButton",
    "pushInfo", "pushWarning", "reportError", "setProgressText", "pushCommandInfo",
    "pushMessage", "logMessage", "information", "warning", "critical", "question",
    "QgsProcessingException", "GeoRedisError", "QgsTask", "fromFunction", "setDescription",
}  # fmt: skip
DESCRIBED = ("QgsProcessingParameter", "QgsProcessingOutput")
# Methods whose returned text QGIS shows (Processing algorithms and providers).
SHOWN_RETURNS = {"displayName", "group", "shortHelpString", "shortDescription", "longName"}
# Shown as they are in every language: the product's name (message-bar title, log tag).
NOT_TRANSLATED = {"GeoRedis"}


class UnresolvedError(Exception):
    """A tr() text the extraction cannot know before the code runs."""


@dataclass
class Module:
    name: str  # dotted, e.g. georedis_plugin.processing.algorithms.cached
    path: Path
    tree: ast.Module
    constants: dict = field(default_factory=dict)  # top-level NAME -> value node
    imports: dict = field(default_factory=dict)  # local name -> (module, name or None)
    plugin: Path = PLUGIN  # the package it belongs to
    where: str = ""  # file name from the package's parent (the repository root)


@lru_cache(maxsize=4)
def _modules(plugin: Path) -> dict:
    """Every module of the package at ``plugin``, by dotted name."""
    modules = {}
    for path in sorted(plugin.rglob("*.py")):
        if "_vendor" in path.parts:
            continue
        parts = list(path.relative_to(plugin.parent).with_suffix("").parts)
        package = parts[:-1]  # of a module, or the package an __init__.py is
        if parts[-1] == "__init__":
            parts = parts[:-1]
        tree = ast.parse(path.read_text("utf-8"), str(path))
        where = str(path.relative_to(plugin.parent))
        module = Module(".".join(parts), path, tree, plugin=plugin, where=where)
        for node in module.tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        module.constants[target.id] = node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                if isinstance(node.target, ast.Name):
                    module.constants[node.target.id] = node.value
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                source = ".".join(base + (node.module.split(".") if node.module else []))
                for alias in node.names:
                    module.imports[alias.asname or alias.name] = (source, alias.name)
        modules[module.name] = module
    return modules


def _lookup(module: Module, name: str, seen=()):
    """(module, value node) of the constant ``name`` of ``module``, following imports."""
    if (module.name, name) in seen:
        raise UnresolvedError(f"{name} imports itself")
    if name in module.constants:
        return module, module.constants[name]
    if name in module.imports:
        source, original = module.imports[name]
        modules = _modules(module.plugin)
        if f"{source}.{original}" in modules:  # a module: ``from ..core import geoset``
            return modules[f"{source}.{original}"], None
        if source in modules:
            return _lookup(modules[source], original, (*seen, (module.name, name)))
    raise UnresolvedError(f"{name} is not a constant of {module.where}")


def _texts(module: Module, node, bindings: dict) -> list:
    """[(text, module, line)]: every string ``node`` can be, or UnresolvedError."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [(node.value, module, node.lineno)]
    if isinstance(node, ast.JoinedStr):
        raise UnresolvedError("an f-string: translate the text with {placeholders}, then .format()")
    if isinstance(node, ast.Call) and _call_name(node) in NOOP_MARKS:
        return _noop_texts(module, node)
    if isinstance(node, ast.Name):
        if node.id in bindings:
            bound_module, bound = bindings[node.id]
            return _texts(bound_module, bound, {})
        found, value = _lookup(module, node.id)
        if value is None:
            raise UnresolvedError(f"{node.id} is a module")
        return _texts(found, value, {})
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        found, value = _lookup(module, node.value.id)
        if value is None:  # module.CONSTANT
            found, value = _lookup(found, node.attr)
            return _texts(found, value, {})
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [text for item in node.elts for text in _texts(module, item, bindings)]
    if isinstance(node, ast.Dict):
        return [text for item in node.values for text in _texts(module, item, bindings)]
    if isinstance(node, ast.Subscript):
        return _texts(module, node.value, bindings)
    if isinstance(node, ast.IfExp):
        return _texts(module, node.body, bindings) + _texts(module, node.orelse, bindings)
    raise UnresolvedError(f"cannot follow {ast.unparse(node)!r} to its text")


def _noop_texts(module: Module, node: ast.Call) -> list:
    index = NOOP_MARKS[_call_name(node)]
    if index == 1 and not _is_our_context(node.args[0]):
        return []
    text = node.args[index]
    if not (isinstance(text, ast.Constant) and isinstance(text.value, str)):
        raise UnresolvedError(f"{_call_name(node)} of {ast.unparse(text)!r}, not of a literal")
    return [(text.value, module, text.lineno)]


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _is_our_context(node) -> bool:
    if isinstance(node, ast.Constant):
        return node.value == CONTEXT
    return isinstance(node, ast.Name) and node.id == "CONTEXT"


@dataclass
class Extraction:
    strings: dict = field(default_factory=dict)  # text -> first "file:line"
    problems: list = field(default_factory=list)  # "file:line: what"
    hidden: list = field(default_factory=list)  # "file:line: literal shown without tr()"

    def add(self, found: list) -> None:
        """Keep each text's first place in the code: file, then line."""
        for text, module, line in found:
            first = self.strings.get(text)
            if first is None or _place(f"{module.where}:{line}") < _place(first):
                self.strings[text] = f"{module.where}:{line}"

    def in_code_order(self) -> dict:
        return dict(sorted(self.strings.items(), key=lambda item: _place(item[1])))


def _place(where: str) -> tuple:
    file_name, line = where.rsplit(":", 1)
    return file_name, int(line)


def _shown_text(node) -> bool:
    """A literal with words in it (or an f-string whose literal parts have words)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value not in NOT_TRANSLATED and any(c.isalpha() for c in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_shown_text(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _shown_text(node.left) or _shown_text(node.right)
    if isinstance(node, ast.Call) and _call_name(node) == "format":
        return isinstance(node.func, ast.Attribute) and _shown_text(node.func.value)
    return False


class _Visitor(ast.NodeVisitor):
    def __init__(self, module: Module, extraction: Extraction):
        self.module = module
        self.extraction = extraction
        self.bindings = [{}]  # loop and comprehension variables -> (module, iterable node)
        self.functions = []  # enclosing function definitions

    def _bind(self, target, iterable) -> dict:
        if isinstance(target, ast.Name):
            return {target.id: (self.module, iterable)}
        return {}

    def visit_FunctionDef(self, node):
        self.functions.append(node)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Return(self, node):
        function = self.functions[-1] if self.functions else None
        if function is not None and function.name in SHOWN_RETURNS and _shown_text(node.value):
            where = f"{self.module.where}:{node.lineno}"
            self.extraction.hidden.append(
                f"{where}: {function.name}() returns {ast.unparse(node.value)}"
            )
        self.generic_visit(node)

    def visit_For(self, node):
        self.visit(node.iter)
        self.bindings.append({**self.bindings[-1], **self._bind(node.target, node.iter)})
        for child in node.body + node.orelse:
            self.visit(child)
        self.bindings.pop()

    def _comprehension(self, node):
        scope = dict(self.bindings[-1])
        for generator in node.generators:
            self.visit(generator.iter)
            scope.update(self._bind(generator.target, generator.iter))
        self.bindings.append(scope)
        for generator in node.generators:
            for condition in generator.ifs:
                self.visit(condition)
        for part in ("elt", "key", "value"):
            if hasattr(node, part):
                self.visit(getattr(node, part))
        self.bindings.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    def _wrapper_parameter(self, node) -> bool:
        """``tr(message)`` inside ``def tr(self, message)``: the helper itself."""
        if not (self.functions and isinstance(node, ast.Name)):
            return False
        function = self.functions[-1]
        return function.name == "tr" and node.id in {a.arg for a in function.args.args}

    def visit_Call(self, node):
        name = _call_name(node)
        where = f"{self.module.where}:{node.lineno}"
        text = None
        if name == "tr" and node.args:
            text = node.args[0]
        elif name == "translate" and len(node.args) >= 2 and _is_our_context(node.args[0]):
            text = node.args[1]
        try:
            if text is not None and not self._wrapper_parameter(text):
                self.extraction.add(_texts(self.module, text, self.bindings[-1]))
            elif name in NOOP_MARKS and node.args:
                self.extraction.add(_noop_texts(self.module, node))
        except UnresolvedError as reason:
            self.extraction.problems.append(f"{where}: {name}({ast.unparse(text)}): {reason}")
        if name in SHOWN:
            shown = node.args + [k.value for k in node.keywords]
        elif name.startswith(DESCRIBED):
            shown = node.args[1:2] + [k.value for k in node.keywords if k.arg == "description"]
        else:
            shown = []
        for argument in shown:
            if _shown_text(argument):
                self.extraction.hidden.append(f"{where}: {name}({ast.unparse(argument)})")
        self.generic_visit(node)


def extract(plugin: Path = PLUGIN) -> Extraction:
    """The translatable strings of the package at ``plugin``, and what hides strings."""
    _modules.cache_clear()  # the files as they are now
    extraction = Extraction()
    for module in _modules(plugin).values():
        _Visitor(module, extraction).visit(module.tree)
    return extraction


def source_strings() -> dict:
    """Every translatable string -> the first file:line it appears at, in that order."""
    return extract().in_code_order()


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
    extraction = extract()
    for problem in extraction.problems:
        print(f"tr() of a text the extraction cannot follow: {problem}")
    for hidden in extraction.hidden:
        print(f"shown without tr(): {hidden}")
    status = bool(extraction.problems or extraction.hidden)
    for language in LANGUAGES:
        if not args.check:
            strings, known = extraction.in_code_order(), read_ts(ts_path(language))
            write_ts(ts_path(language), language, strings, known)
        missing = untranslated(language)
        for source in missing:
            print(f"{language}: untranslated: {source!r}")
        status |= bool(missing)
    return status if args.check else 0


if __name__ == "__main__":
    sys.exit(main())
