"""Start a headless QgsApplication (with Processing) for the command-line scripts."""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import QgsApplication

_app = None


def start_qgis() -> QgsApplication:
    global _app
    if _app is None:
        QgsApplication.setPrefixPath("/usr", True)
        _app = QgsApplication([], False)
        _app.initQgis()
        sys.path.append("/usr/share/qgis/python/plugins")
        from processing.core.Processing import Processing

        Processing.initialize()
    return _app
