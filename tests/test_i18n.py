"""French: every user-visible string is translated, and QGIS set to French shows it.

The .ts source must hold a finished translation of exactly the strings the code passes to
``tr()`` (found by scripts/i18n.py, which follows module constants and QT_TRANSLATE_NOOP marks),
with the same ``{placeholders}``; no ``tr()`` of a text the extraction cannot follow (an
f-string, a variable) and no literal shown to the user without ``tr()``; lrelease compiles it
without unfinished entries; with QGIS's locale overridden to ``fr`` the plugin installs the
compiled .qm, and algorithm names, groups, help, parameter descriptions and options and dock
labels read in French.
"""

import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtWidgets import QWidget

from scripts import i18n

PLACEHOLDER = re.compile(r"\{[A-Za-z_][^{}]*\}")


@pytest.fixture(scope="module")
def french():
    """source -> French, from the .ts in the repository."""
    return {s: t for s, (t, finished) in i18n.read_ts(i18n.ts_path("fr")).items() if finished}


def test_every_translatable_string_has_a_finished_french_translation(french):
    sources = i18n.source_strings()
    assert len(sources) > 200
    assert i18n.untranslated("fr") == []
    # and nothing else: no leftovers of strings the code no longer has
    assert set(i18n.read_ts(i18n.ts_path("fr"))) == set(sources)


def test_every_tr_text_is_a_text_the_extraction_can_follow():
    assert i18n.extract().problems == []


def test_no_literal_reaches_the_user_without_tr():
    assert i18n.extract().hidden == []


def write_package(root: Path, files: dict) -> Path:
    package = root / "fakeplugin"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return package


def test_the_extraction_follows_constants_and_flags_what_it_cannot_see(tmp_path):
    package = write_package(
        tmp_path,
        {
            "__init__.py": "",
            "i18n.py": """
                from qgis.PyQt.QtCore import QCoreApplication
                def tr(message):
                    return QCoreApplication.translate("GeoRedis", message)
            """,
            "texts.py": """
                from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP
                GROUP = QT_TRANSLATE_NOOP("GeoRedis", "Group")
                HELP = "Help with {placeholder}"
                LABELS = {"a": QT_TRANSLATE_NOOP("GeoRedis", "Label A"), "b": "Label B"}
                UNITS = ("metres", "feet")
                MARKED_ONLY = QT_TRANSLATE_NOOP("GeoRedis", "Marked only")
                NOT_OURS = QT_TRANSLATE_NOOP("QObject", "QGIS's own")
            """,
            "sub/__init__.py": "",
            "sub/algorithm.py": """
                from qgis.PyQt.QtCore import QCoreApplication
                from .. import texts
                from ..i18n import tr
                from ..texts import GROUP, HELP, LABELS, UNITS

                class Algorithm:
                    def tr(self, message):
                        return tr(message)

                    def group(self):
                        return self.tr(GROUP)

                    def help(self, name):
                        return self.tr(HELP).format(placeholder=name)

                    def options(self):
                        return [self.tr(unit) for unit in UNITS]

                    def combo(self, combo, key):
                        for key in LABELS:
                            combo.addItem(tr(LABELS[key]), key)
                        combo.setToolTip(QCoreApplication.translate("GeoRedis", "Tip"))
                        combo.setWhatsThis(tr(texts.HELP))

                    def hidden(self, widget, feedback, name, error):
                        widget.setText("Shown as it is")
                        feedback.pushInfo(f"Done with {name}")
                        QgsMessageLog.logMessage(f"{name}: {error}", "GeoRedis")
                        QgsProcessingParameterString("NAME", "Name of the thing")
                        widget.setText(tr(f"Hello {name}"))
                        widget.setText(tr(name))
                        widget.setText(tr("Part one, " + name))

                    def displayName(self):
                        return "Not translated"
            """,
        },
    )
    found = i18n.extract(package)
    assert set(found.strings) == {
        "Group", "Help with {placeholder}", "Label A", "Label B", "metres", "feet",
        "Marked only", "Tip",
    }  # fmt: skip
    assert found.strings["Group"] == "fakeplugin/texts.py:3"
    problems = "\n".join(found.problems)
    assert len(found.problems) == 3, problems
    assert "tr(f'Hello {name}'): an f-string" in problems
    assert "tr(name)" in problems and "tr('Part one, ' + name)" in problems
    assert [h.split(": ", 1)[1] for h in found.hidden] == [
        "setText('Shown as it is')",
        "pushInfo(f'Done with {name}')",
        "QgsProcessingParameterString('Name of the thing')",
        "displayName() returns 'Not translated'",
    ]


def test_translations_keep_the_placeholders(french):
    for source, translation in french.items():
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translation)), (
            source
        )
        # the layout-relevant edges survive too (" days", "\n\nWith ...")
        assert source[:1].isspace() == translation[:1].isspace(), source


def test_lrelease_compiles_every_entry(tmp_path):
    lrelease = shutil.which("lrelease")
    assert lrelease, "lrelease is missing: make setup installs qttools5-dev-tools"
    done = subprocess.run(
        [lrelease, str(i18n.ts_path("fr")), "-qm", str(tmp_path / "fr.qm")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert re.search(r"\b0 unfinished\b", done.stdout), done.stdout
    assert (tmp_path / "fr.qm").stat().st_size > 10_000


@pytest.fixture
def plugin_in(qgis_iface, qgis_processing):
    """Load the plugin the way QGIS does, with QGIS's language overridden to ``language``."""
    made = []
    settings = QgsSettings()
    before = (settings.value("locale/overrideFlag"), settings.value("locale/userLocale"))

    def load(language):
        subprocess.run(["make", "-s", "translations"], cwd=Path(i18n.ROOT), check=True)
        settings.setValue("locale/overrideFlag", True)  # noqa: QGS202 QgsSettings.setValue has no result
        settings.setValue("locale/userLocale", language)  # noqa: QGS202 QgsSettings.setValue has no result
        assert QgsApplication.locale() == language
        from georedis_plugin import classFactory

        plugin = classFactory(qgis_iface)
        plugin.initGui()
        made.append(plugin)
        return plugin

    yield load
    for plugin in made:
        plugin.unload()
    for key, value in zip(("locale/overrideFlag", "locale/userLocale"), before):
        if value is None:
            settings.remove(key)
        else:
            settings.setValue(key, value)  # noqa: QGS202 QgsSettings.setValue has no result


def test_qgis_in_french_shows_the_plugin_in_french(plugin_in, french, redis_url):
    plugin = plugin_in("fr")
    registry = QgsApplication.processingRegistry()
    buffer = registry.algorithmById("georedis:buffer")
    assert buffer.displayName() == french["Buffer (cached)"] == "Tampon (en cache)"
    assert buffer.group() == french["Cached geoprocessing"]
    # native's parameters, as QGIS translated them when it created native:buffer
    native = registry.algorithmById("native:buffer")
    assert (
        buffer.parameterDefinition("INPUT").description()
        == native.parameterDefinition("INPUT").description()
    )
    assert buffer.parameterDefinition("USE_CACHE").description() == french["Use the Redis cache"]
    # texts kept in module constants, translated where they are shown
    assert "Ce qui est mis en cache : chaque géométrie" in buffer.shortHelpString()
    radius = registry.algorithmById("georedis:radiussearch")
    assert radius.group() == "Ensembles géo"
    assert radius.parameterDefinition("UNIT").options() == [
        "mètres",
        "kilomètres",
        "miles",
        "pieds",
    ]
    load = registry.algorithmById("georedis:loadgeoset")
    assert load.group() == "Ensembles géo"
    assert load.displayName() == french["Load points into a geo set"]
    assert load.parameterDefinition("STORE_ATTRIBUTES").description() == "Stocker les attributs"
    assert load.shortHelpString().startswith("Charge les points d'une couche")

    plugin.toggle_dock(True)
    panel = plugin.dock.findChild(QWidget, "geoset_panel")
    assert panel.load_box.load_button.text() == french["Load"] == "Charger"
    assert panel.search_button.text() == "Rechercher"
    assert panel.draw_button.text() == french["Draw"]
    assert panel.count_spin.specialValueText() == "tous"


def test_english_stays_english(plugin_in):
    plugin_in("en")
    buffer = QgsApplication.processingRegistry().algorithmById("georedis:buffer")
    assert buffer.displayName() == "Buffer (cached)"
    assert buffer.parameterDefinition("INPUT").description() == "Input layer"
