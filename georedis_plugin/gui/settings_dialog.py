"""Settings dialog: Redis connection, cache lifetime, connection test and cache statistics."""

import os

from qgis.core import QgsFileUtils, QgsTask
from qgis.gui import QgsAuthConfigSelect, QgsFileWidget
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from ..core import settings
from ..core.clients import check_connection, get_client, reset_clients
from ..core.config import CLUSTER, ENV_URL, SENTINEL, STANDALONE, ConnectionConfig
from ..core.errors import GeoRedisError
from ..core.wkb_cache import cache_statistics
from ..i18n import tr
from .tasks import BackgroundRunner


class SettingsDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("GeoRedis settings"))
        self.setObjectName("GeoRedisSettingsDialog")
        self.runner = BackgroundRunner(self)
        layout = QVBoxLayout(self)

        server = QGroupBox(tr("Redis server"))
        form = QFormLayout(server)
        self.form = form
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText(tr("redis://host:6379/0  or  rediss://host:6380/0"))
        self.url_edit.setToolTip(
            tr(
                "A whole Redis URL; when given it replaces the mode, host, port, database and "
                "TLS. redis+cluster://host:7000,host:7001 names a Redis Cluster, "
                "redis+sentinel://host:26379,host:26380/mymaster/0 a Sentinel service."
            )
        )
        form.addRow(tr("URL (optional)"), self.url_edit)
        self.mode_combo = QComboBox()
        self.mode_combo.addItem(tr("Standalone server"), STANDALONE)
        self.mode_combo.addItem(tr("Redis Cluster"), CLUSTER)
        self.mode_combo.addItem(tr("Sentinel"), SENTINEL)
        self.mode_combo.setToolTip(
            tr(
                "Standalone: one server. Redis Cluster: the keys are spread over the cluster's "
                "primaries, found from the seed nodes. Sentinel: the Sentinels name the "
                "current primary of a service, which GeoRedis follows after a failover."
            )
        )
        form.addRow(tr("Mode"), self.mode_combo)
        self.host_edit = QLineEdit()
        form.addRow(tr("Host"), self.host_edit)
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        form.addRow(tr("Port"), self.port_spin)
        self.nodes_edit = QLineEdit()
        self.nodes_edit.setToolTip(
            tr(
                "Cluster: a few nodes to discover the cluster from. Sentinel: the Sentinels' "
                "addresses (port 26379 when omitted)."
            )
        )
        self.nodes_label = QLabel(tr("Nodes"))
        form.addRow(self.nodes_label, self.nodes_edit)
        self.service_edit = QLineEdit()
        self.service_edit.setToolTip(tr("The name the Sentinels monitor the primary under."))
        form.addRow(tr("Service name"), self.service_edit)
        self.sentinel_auth_select = QgsAuthConfigSelect(self)
        self.sentinel_auth_select.setToolTip(
            tr(
                "Only if the Sentinels themselves require a password: a Basic authentication "
                "configuration for them. The server's own is chosen below."
            )
        )
        form.addRow(tr("Sentinel authentication"), self.sentinel_auth_select)
        self.database_spin = QSpinBox()
        self.database_spin.setRange(0, 1023)
        form.addRow(tr("Database"), self.database_spin)
        self.username_edit = QLineEdit()
        self.username_edit.setToolTip(
            tr("Redis ACL user; used when the authentication configuration has no user name.")
        )
        form.addRow(tr("User name (optional)"), self.username_edit)
        self.auth_select = QgsAuthConfigSelect(self)
        self.auth_select.setToolTip(
            tr("A QGIS authentication configuration of type Basic holding the password.")
        )
        form.addRow(tr("Authentication"), self.auth_select)
        self.tls_check = QCheckBox(tr("Use TLS"))
        form.addRow("", self.tls_check)
        self.ca_file = QgsFileWidget()
        self.ca_file.setFilter(tr("Certificates (*.pem *.crt *.cer);;All files (*)"))
        form.addRow(tr("CA certificate (optional)"), self.ca_file)
        self.prefix_edit = QLineEdit()
        form.addRow(tr("Key prefix"), self.prefix_edit)
        self.connect_timeout_spin = self._seconds_spin()
        form.addRow(tr("Connect timeout"), self.connect_timeout_spin)
        self.read_timeout_spin = self._seconds_spin()
        form.addRow(tr("Read timeout"), self.read_timeout_spin)
        layout.addWidget(server)
        self.mode_combo.currentIndexChanged.connect(self._show_mode_fields)

        # What is saved here still matters once the variable is gone, so the fields stay editable.
        self.env_note = None
        if os.environ.get(ENV_URL, "").strip():
            self.env_note = QLabel(
                tr(
                    "The environment variable {name} is set: GeoRedis connects to {where} "
                    "instead of the server above until it is unset."
                ).format(name=ENV_URL, where=ConnectionConfig.from_settings().describe())
            )
            self.env_note.setWordWrap(True)
            layout.addWidget(self.env_note)

        test_row = QHBoxLayout()
        self.test_button = QPushButton(tr("Test connection"))
        self.test_button.clicked.connect(self.test_connection)
        test_row.addWidget(self.test_button)
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setObjectName("test_result")
        test_row.addWidget(self.test_result, 1)
        layout.addLayout(test_row)

        cache = QGroupBox(tr("Geometry cache"))
        cache_form = QFormLayout(cache)
        self.ttl_spin = QDoubleSpinBox()
        self.ttl_spin.setRange(0, 3650)
        self.ttl_spin.setDecimals(2)
        self.ttl_spin.setSuffix(tr(" days"))
        self.ttl_spin.setSpecialValueText(tr("never expire"))
        cache_form.addRow(tr("Keep cached results for"), self.ttl_spin)
        self.stats_button = QPushButton(tr("Cache statistics"))
        self.stats_button.clicked.connect(self.show_statistics)
        self.stats_label = QLabel()
        self.stats_label.setWordWrap(True)
        cache_form.addRow(self.stats_button, self.stats_label)
        layout.addWidget(cache)

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020")
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.load(ConnectionConfig.from_settings(environ={}))

    @staticmethod
    def _seconds_spin() -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(0.1, 600)
        spin.setDecimals(1)
        spin.setSuffix(tr(" s"))
        return spin

    def mode(self) -> str:
        return self.mode_combo.currentData()

    def _show_mode_fields(self) -> None:
        """Only the fields of the chosen mode: host and port, nodes, service, database."""
        mode = self.mode()
        visible = {
            self.host_edit: mode == STANDALONE,
            self.port_spin: mode == STANDALONE,
            self.nodes_edit: mode != STANDALONE,
            self.service_edit: mode == SENTINEL,
            self.sentinel_auth_select: mode == SENTINEL,
            self.database_spin: mode != CLUSTER,  # a cluster has database 0 only
        }
        for widget, shown in visible.items():
            widget.setVisible(shown)
            label = self.form.labelForField(widget)
            if label is not None:
                label.setVisible(shown)
        if mode == SENTINEL:
            self.nodes_label.setText(tr("Sentinels"))
            self.nodes_edit.setPlaceholderText(tr("host:26379, host:26380, host:26381"))
        else:
            self.nodes_label.setText(tr("Seed nodes"))
            self.nodes_edit.setPlaceholderText(tr("host:7000, host:7001, host:7002"))

    def load(self, config: ConnectionConfig) -> None:
        self.url_edit.setText(config.url)
        self.mode_combo.setCurrentIndex(max(0, self.mode_combo.findData(config.mode)))
        self._show_mode_fields()
        self.nodes_edit.setText(config.nodes)
        self.service_edit.setText(config.service_name)
        self.sentinel_auth_select.setConfigId(config.sentinel_authcfg)
        self.host_edit.setText(config.host)
        self.port_spin.setValue(config.port)  # noqa: QGS202 a widget setter, no result
        self.database_spin.setValue(config.database)  # noqa: QGS202 a widget setter, no result
        self.username_edit.setText(config.username)
        self.auth_select.setConfigId(config.authcfg)
        self.tls_check.setChecked(config.tls)
        self.ca_file.setFilePath(config.ca_file)
        self.prefix_edit.setText(config.key_prefix)
        self.connect_timeout_spin.setValue(config.connect_timeout)  # noqa: QGS202 a widget setter, no result
        self.read_timeout_spin.setValue(config.read_timeout)  # noqa: QGS202 a widget setter, no result
        self.ttl_spin.setValue(settings.CACHE_TTL_DAYS.value())  # noqa: QGS202 a widget setter, no result

    def config(self) -> ConnectionConfig:
        """The configuration the fields describe (not yet saved)."""
        mode = self.mode()
        return ConnectionConfig(
            host=self.host_edit.text().strip() or "localhost",
            port=self.port_spin.value(),
            database=0 if mode == CLUSTER else self.database_spin.value(),
            username=self.username_edit.text().strip(),
            authcfg=self.auth_select.configId(),
            tls=self.tls_check.isChecked(),
            ca_file=self.ca_file.filePath().strip(),
            url=self.url_edit.text().strip(),
            key_prefix=self.prefix_edit.text().strip() or "georedis",
            connect_timeout=self.connect_timeout_spin.value(),
            read_timeout=self.read_timeout_spin.value(),
            mode=mode,
            nodes=self.nodes_edit.text().strip(),
            service_name=self.service_edit.text().strip() or "mymaster",
            sentinel_authcfg=self.sentinel_auth_select.configId() if mode == SENTINEL else "",
        )

    def accept(self) -> None:
        try:
            self.config().save()
        except GeoRedisError as exc:
            self.error_label.setText(str(exc))
            return
        settings.CACHE_TTL_DAYS.set_value(self.ttl_spin.value())
        reset_clients()
        super().accept()

    def done(self, result) -> None:
        self.runner.cancel_all()
        super().done(result)

    def test_connection(self) -> QgsTask:
        """Check the server the fields describe (saved or not) without blocking the dialog."""
        config = self.config()
        self.test_button.setEnabled(False)
        self.test_result.setText(tr("Connecting to {where}…").format(where=config.describe()))

        def finished(error, info):
            self.test_button.setEnabled(True)
            if error:
                self.test_result.setText(error)
                return
            self.test_result.setText(
                tr("Connected to {product} {version} ({mode}), round trip {ms:.1f} ms").format(
                    product=info.product,
                    version=info.version,
                    mode=info.mode,
                    ms=info.round_trip_ms,
                )
            )

        return self.runner.run(
            tr("GeoRedis: test connection"),
            lambda task: check_connection(config),
            finished,
            config,
            canceled_message=tr("Connection test canceled."),
        )

    def show_statistics(self) -> QgsTask:
        """Count the cache entries of the server and prefix in the fields, in the background."""
        config = self.config()
        self.stats_label.setText(tr("Counting…"))

        def finished(error, stats):
            if error:
                self.stats_label.setText(error)
                return
            lines = [
                tr("Cached geometries: {entries}, using {memory}").format(
                    entries=stats["entries"],
                    memory=QgsFileUtils.representFileSize(stats["memory_bytes"]),
                )
            ]
            for run in stats["runs"][:5]:
                lines.append(tr("{at} {algorithm}: {hits} hits, {misses} misses").format(**run))
            self.stats_label.setText("\n".join(lines))

        return self.runner.run(
            tr("GeoRedis: cache statistics"),
            lambda task: cache_statistics(get_client(config), config.key_prefix),
            finished,
            config,
            canceled_message=tr("Counting canceled."),
        )
