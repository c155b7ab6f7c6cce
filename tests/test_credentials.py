"""The Redis password lives only in the QGIS authentication database (issue 6, item 4).

The password is configured the way a user does it (an auth config chosen in the settings
dialog), every feature runs, some fail on purpose (wrong password, a URL with a password in
GEOREDIS_URL), and then every file of the QGIS profile and settings, the QGIS message log and
every Processing feedback text are searched for the password: it appears nowhere, not even in
the authentication database (which stores it encrypted).
"""

import uuid
from pathlib import Path

import pytest
from qgis import processing
from qgis.core import QgsApplication, QgsProcessingFeedback, QgsSettings

from georedis_plugin.core.clients import check_connection
from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.errors import GeoRedisError
from georedis_plugin.gui.settings_dialog import SettingsDialog
from tests.gui_wait import wait_for_tasks
from tests.layers import memory_layer
from tests.redis_server import SERVER_PRODUCT, RedisServer, free_port
from tests.test_geoset_core import point_layer, random_points


class TranscriptFeedback(QgsProcessingFeedback):
    """Keeps every text an algorithm shows the user."""

    def __init__(self, transcript: list):
        super().__init__()
        self.transcript = transcript

    def pushInfo(self, info):
        self.transcript.append(info)

    def pushWarning(self, warning):
        self.transcript.append(warning)

    def reportError(self, error, fatalError=False):
        self.transcript.append(error)

    def pushDebugInfo(self, info):
        self.transcript.append(info)

    def pushCommandInfo(self, info):
        self.transcript.append(info)

    def pushConsoleInfo(self, info):
        self.transcript.append(info)

    def setProgressText(self, text):
        self.transcript.append(text)


def files_holding(directories, secret: bytes) -> list:
    found = []
    for directory in directories:
        for path in Path(directory).rglob("*"):
            if path.is_file() and secret in path.read_bytes():
                found.append(str(path))
    return found


@pytest.fixture
def message_log():
    messages = []

    def received(message, tag, level):
        messages.append(f"{tag}: {message}")

    QgsApplication.messageLog().messageReceived.connect(received)
    yield messages
    QgsApplication.messageLog().messageReceived.disconnect(received)


def test_the_password_is_nowhere_but_in_the_auth_database(
    provider, clean_settings, make_basic_authcfg, tmp_path, message_log, monkeypatch
):
    password = f"pw-{uuid.uuid4().hex}"
    server = RedisServer(tmp_path / "redis").start(password=password)
    transcript = []
    try:
        # configured as a user does: an auth config picked in the settings dialog
        authcfg = make_basic_authcfg("default", password)
        dialog = SettingsDialog()
        dialog.host_edit.setText("127.0.0.1")
        dialog.port_spin.setValue(server.port)  # noqa: QGS202 (QSpinBox.setValue returns nothing)
        dialog.auth_select.setConfigId(authcfg)
        dialog.test_connection()
        dialog.show_statistics()
        wait_for_tasks()
        transcript += [dialog.test_result.text(), dialog.stats_label.text()]
        assert f"Connected to {SERVER_PRODUCT}" in dialog.test_result.text()
        dialog.accept()

        # every feature, with the feedback texts kept
        layer = memory_layer("Polygon", ["Polygon ((0 0, 1 0, 1 1, 0 0))"])
        runs = [
            ("georedis:buffer", {"INPUT": layer, "DISTANCE": 0.1, "OUTPUT": "memory:"}),
            (
                "georedis:intersection",
                {"INPUT": layer, "OVERLAY": layer, "OUTPUT": "memory:"},
            ),
            (
                "georedis:loadgeoset",
                {"INPUT": point_layer(*random_points(50)), "KEY": "secret test"},
            ),
            (
                "georedis:radiussearch",
                {
                    "KEY": "secret test",
                    "CENTER": "0,45 [EPSG:4326]",
                    "RADIUS": 5000,
                    "UNIT": 1,
                    "OUTPUT": "memory:",
                },
            ),
            ("georedis:clearcache", {}),
        ]
        for algorithm, parameters in runs:
            processing.run(algorithm, parameters, feedback=TranscriptFeedback(transcript))
        assert any("Loaded 50 points" in text for text in transcript)

        # failures: the wrong password, and a URL carrying a password in the environment
        wrong = make_basic_authcfg("default", f"wrong-{password}")
        with pytest.raises(GeoRedisError) as caught:
            check_connection(ConnectionConfig(host="127.0.0.1", port=server.port, authcfg=wrong))
        transcript.append(str(caught.value))
        monkeypatch.setenv("GEOREDIS_URL", f"redis://:{password}@127.0.0.1:{free_port()}/0")
        feedback = TranscriptFeedback(transcript)
        processing.run(
            "georedis:buffer",
            {"INPUT": layer, "DISTANCE": 0.1, "OUTPUT": "memory:"},
            feedback=feedback,
        )
        with pytest.raises(Exception) as caught:
            processing.run(
                "georedis:loadgeoset",
                {"INPUT": point_layer(*random_points(5)), "KEY": "x"},
                feedback=feedback,
            )
        transcript.append(str(caught.value))
        assert any("Nothing accepts connections" in text for text in transcript)
    finally:
        server.stop()

    QgsSettings().sync()
    directories = {
        QgsApplication.qgisSettingsDirPath(),
        str(Path(QgsSettings().fileName()).parent),
    }
    assert files_holding(directories, password.encode()) == []
    assert [text for text in transcript if password in text] == []
    assert [text for text in message_log if password in text] == []
    # the scan can see: the auth config id, which is stored, is found in the settings file
    assert files_holding(directories, authcfg.encode())
