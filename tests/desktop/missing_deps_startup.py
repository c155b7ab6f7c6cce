# Runs inside QGIS desktop started WITHOUT the project venv (no redis, no shapely 2): records the
# message bar and whether the provider is registered, then quits.
import json
import os

import qgis.utils
from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication
from qgis.utils import iface

OUT = os.environ["GEOREDIS_SMOKE_OUT"]


def report():
    items = iface.messageBar().items()
    marker = {
        "loaded": "georedis_plugin" in qgis.utils.plugins,
        "provider": QgsApplication.processingRegistry().providerById("georedis") is not None,
        "messages": [[int(item.level()), item.text()] for item in items],
    }
    with open(os.path.join(OUT, "missing-deps.json"), "w") as handle:
        json.dump(marker, handle)
    QApplication.instance().exit(0)


def wait_for_plugin(attempts_left=300):
    if "georedis_plugin" in qgis.utils.plugins or attempts_left == 0:
        QTimer.singleShot(500, report)
    else:
        QTimer.singleShot(200, lambda: wait_for_plugin(attempts_left - 1))


wait_for_plugin()
