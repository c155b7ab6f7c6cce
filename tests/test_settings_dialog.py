"""The settings dialog: saves every field, keeps secrets out, tests the connection in a task."""

from pathlib import Path

from qgis.core import QgsSettings

from georedis_plugin.core import settings
from georedis_plugin.core.connection import ConnectionConfig
from georedis_plugin.gui.settings_dialog import SettingsDialog
from tests.gui_wait import wait_for_tasks, wait_until
from tests.redis_server import free_port


def test_accept_saves_every_field(clean_settings, make_basic_authcfg):
    authcfg = make_basic_authcfg("analyst", "never-in-settings-42")
    dialog = SettingsDialog()
    dialog.host_edit.setText("redis.example.org")
    dialog.port_spin.setValue(6380)
    dialog.database_spin.setValue(5)
    dialog.username_edit.setText("analyst")
    dialog.auth_select.setConfigId(authcfg)
    dialog.tls_check.setChecked(True)
    dialog.ca_file.setFilePath("/etc/ssl/certs/ca.pem")
    dialog.prefix_edit.setText("team-a")
    dialog.connect_timeout_spin.setValue(1.5)
    dialog.read_timeout_spin.setValue(3.0)
    dialog.ttl_spin.setValue(0)
    dialog.accept()
    assert ConnectionConfig.from_settings() == ConnectionConfig(
        host="redis.example.org",
        port=6380,
        database=5,
        username="analyst",
        authcfg=authcfg,
        tls=True,
        ca_file="/etc/ssl/certs/ca.pem",
        key_prefix="team-a",
        connect_timeout=1.5,
        read_timeout=3.0,
    )
    assert settings.CACHE_TTL_DAYS.value() == 0.0
    QgsSettings().sync()
    settings_text = Path(QgsSettings().fileName()).read_text(encoding="utf-8", errors="replace")
    assert authcfg in settings_text
    assert "never-in-settings-42" not in settings_text


def test_url_with_password_is_refused_and_dialog_stays_open(clean_settings):
    dialog = SettingsDialog()
    dialog.url_edit.setText("redis://:hunter2@127.0.0.1:6379/0")
    dialog.accept()
    assert "authentication configuration" in dialog.error_label.text()
    assert dialog.result() == 0
    assert settings.URL.value() == ""


def test_test_connection_shows_version_and_round_trip(clean_settings, redis_server):
    dialog = SettingsDialog()
    dialog.host_edit.setText("127.0.0.1")
    dialog.port_spin.setValue(redis_server.port)
    dialog.test_connection()
    wait_until(lambda: dialog.test_button.isEnabled())
    wait_for_tasks()
    assert dialog.test_result.text().startswith("Connected to Redis 7.")
    assert "round trip" in dialog.test_result.text()


def test_test_connection_explains_a_closed_port(clean_settings):
    dialog = SettingsDialog()
    dialog.host_edit.setText("127.0.0.1")
    dialog.port_spin.setValue(free_port())
    dialog.test_connection()
    wait_until(lambda: dialog.test_button.isEnabled())
    assert "Nothing accepts connections" in dialog.test_result.text()


def test_cache_statistics_count_entries(clean_settings, redis_server, redis_client):
    redis_client.set("georedis:cache:buffer:abc", b"x" * 100)
    redis_client.set("someone-else:key", b"y")
    dialog = SettingsDialog()
    dialog.host_edit.setText("127.0.0.1")
    dialog.port_spin.setValue(redis_server.port)
    dialog.show_statistics()
    wait_until(lambda: "cached geometries" in dialog.stats_label.text())
    assert dialog.stats_label.text().startswith("1 cached geometries")
