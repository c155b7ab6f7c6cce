"""French: every user-visible string is translated, and QGIS set to French shows it.

The .ts source must hold a finished translation of exactly the strings the code passes to
``tr()`` (found by scripts/i18n.py), with the same ``{placeholders}``; lrelease compiles it
without unfinished entries; with QGIS's locale overridden to ``fr`` the plugin installs the
compiled .qm, and algorithm names, parameter descriptions and dock labels read in French.
"""

import re
import shutil
import subprocess
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
    assert buffer.parameterDefinition("INPUT").description() == "Couche source"  # as native
    assert buffer.parameterDefinition("USE_CACHE").description() == french["Use the Redis cache"]
    load = registry.algorithmById("georedis:loadgeoset")
    assert load.displayName() == french["Load points into a geo set"]
    assert load.parameterDefinition("STORE_ATTRIBUTES").description() == "Stocker les attributs"
    assert load.shortHelpString().startswith("Charge les points d'une couche")

    plugin.toggle_dock(True)
    panel = plugin.dock.findChild(QWidget, "geoset_panel")
    assert panel.load_button.text() == french["Load"] == "Charger"
    assert panel.search_button.text() == "Rechercher"
    assert panel.draw_button.text() == french["Draw"]
    assert panel.count_spin.specialValueText() == "tous"


def test_english_stays_english(plugin_in):
    plugin_in("en")
    buffer = QgsApplication.processingRegistry().algorithmById("georedis:buffer")
    assert buffer.displayName() == "Buffer (cached)"
    assert buffer.parameterDefinition("INPUT").description() == "Input layer"
