"""The GeoRedis dock: connection status on top, the geo-set tools below."""

from qgis.core import QgsApplication, QgsTask
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from ..core.clients import check_connection
from ..core.config import ConnectionConfig
from ..i18n import tr
from .geoset_panel import GeoSetPanel
from .live_panel import LivePanel
from .tasks import BackgroundRunner


class GeoRedisDock(QgsDockWidget):
    """Connection status row, then ``content_layout`` where the tool panels go."""

    def __init__(self, iface, parent=None):
        super().__init__(tr("GeoRedis"), parent)
        self.iface = iface
        self.runner = BackgroundRunner(self)
        body = QWidget()
        layout = QVBoxLayout(body)
        status_row = QHBoxLayout()
        self.status_label = QLabel()
        self.status_label.setObjectName("connection_status")
        self.status_label.setWordWrap(True)
        status_row.addWidget(self.status_label, 1)
        self.refresh_button = QToolButton()
        self.refresh_button.setIcon(QgsApplication.getThemeIcon("/mActionRefresh.svg"))
        self.refresh_button.setText(tr("Check"))
        self.refresh_button.setToolTip(tr("Check the connection to the Redis server"))
        self.refresh_button.clicked.connect(self.check_connection)
        status_row.addWidget(self.refresh_button)
        layout.addLayout(status_row)
        self.content_layout = QVBoxLayout()
        layout.addLayout(self.content_layout)
        layout.addStretch(1)
        self.setWidget(body)
        self.panels = []
        self.add_panel(GeoSetPanel(iface))
        self.add_panel(LivePanel(iface))
        self.check_connection()

    def add_panel(self, panel) -> None:
        """Add a tool panel below the status; its ``close_down()`` runs with the dock's."""
        self.panels.append(panel)
        self.content_layout.addWidget(panel)

    def check_connection(self) -> QgsTask:
        """Check the configured server in the background; the label shows the outcome."""
        config = ConnectionConfig.from_settings()
        self.status_label.setText(tr("Connecting to {where}…").format(where=config.describe()))

        def finished(error, info):
            if error:
                self.status_label.setText(error)
                return
            self.status_label.setText(
                tr("{product} {version} at {where}, round trip {ms:.1f} ms").format(
                    product=info.product,
                    version=info.version,
                    where=config.describe(),
                    ms=info.round_trip_ms,
                )
            )

        return self.runner.run(
            tr("GeoRedis: check connection"),
            lambda task: check_connection(config),
            finished,
            config,
            canceled_message=tr("Connection check canceled."),
        )

    def close_down(self) -> None:
        """Stop background work and remove map tools; called by the plugin's unload()."""
        self.runner.cancel_all()
        for panel in self.panels:
            panel.close_down()
