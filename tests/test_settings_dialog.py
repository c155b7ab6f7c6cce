"""The settings dialog: saves every field, keeps secrets out, tests the connection in a task."""

import socket
from pathlib import Path

from qgis.core import QgsFileUtils, QgsSettings
from qgis.PyQt import sip

from georedis_plugin.core import settings
from georedis_plugin.core.connection import ConnectionConfig, GeoRedisError
from georedis_plugin.core.wkb_cache import WkbCache
from georedis_plugin.gui.settings_dialog import SettingsDialog
from tests.gui_wait import queued_task, task_threads_busy, wait_for_tasks, wait_until
from tests.redis_server import free_port

POINT_WKB = bytes.fromhex("0101000000000000000000f03f0000000000000040")


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


def test_test_connection_shows_version_mode_and_round_trip(clean_settings, redis_url, redis_client):
    dialog = SettingsDialog()
    dialog.url_edit.setText(redis_url)
    dialog.test_connection()
    assert not dialog.test_button.isEnabled()  # the check runs in a task, the dialog is free
    wait_until(lambda: dialog.test_button.isEnabled())
    info = redis_client.info("server")
    mode = info.get("redis_mode", info.get("server_mode"))  # Valkey 8 renamed it server_mode
    text = dialog.test_result.text()
    assert text.startswith(f"Connected to Redis {info['redis_version']} ({mode}), round trip ")
    assert text.endswith(" ms")


def test_test_connection_uses_the_fields_not_the_saved_settings(clean_settings, redis_server):
    settings.PORT.set_value(free_port())
    dialog = SettingsDialog()
    dialog.host_edit.setText("127.0.0.1")
    dialog.port_spin.setValue(redis_server.port)
    dialog.test_connection()
    wait_until(lambda: dialog.test_button.isEnabled())
    assert dialog.test_result.text().startswith("Connected to Redis ")


def test_test_connection_explains_a_closed_port(clean_settings):
    dialog = SettingsDialog()
    dialog.host_edit.setText("127.0.0.1")
    dialog.port_spin.setValue(free_port())
    dialog.test_connection()
    wait_until(lambda: dialog.test_button.isEnabled())
    assert "Nothing accepts connections" in dialog.test_result.text()


def test_a_test_canceled_from_the_task_manager_says_so_and_frees_the_button(redis_url):
    dialog = SettingsDialog()
    dialog.url_edit.setText(redis_url)
    with task_threads_busy():
        dialog.test_connection()
        queued_task("GeoRedis: test connection").cancel()
        wait_until(lambda: dialog.test_button.isEnabled())
    assert dialog.test_result.text() == "Connection test canceled."


def test_cache_statistics_show_entries_memory_and_last_runs(redis_url, redis_client):
    cache = WkbCache(ConnectionConfig(url=redis_url), ttl_seconds=0)
    key = cache.key("buffer", 1, {"distance": 1.0}, POINT_WKB)
    cache.set_many([(key, POINT_WKB)])
    cache.get_many([key, cache.key("buffer", 1, {"distance": 2.0}, POINT_WKB)])
    cache.record_run("georedis:buffer", 0.5)
    redis_client.set("someone-else:cache:buffer:abc", b"y")
    dialog = SettingsDialog()
    dialog.url_edit.setText(redis_url)
    dialog.show_statistics()
    wait_until(lambda: "Cached geometries" in dialog.stats_label.text())
    first, last_run = dialog.stats_label.text().split("\n")
    memory = QgsFileUtils.representFileSize(redis_client.memory_usage(key, samples=0))
    assert first == f"Cached geometries: 1, using {memory}"
    assert last_run.endswith("georedis:buffer: 1 hits, 1 misses")


def test_statistics_against_a_closed_port_explain_the_error(clean_settings):
    dialog = SettingsDialog()
    dialog.host_edit.setText("127.0.0.1")
    dialog.port_spin.setValue(free_port())
    dialog.show_statistics()
    wait_until(lambda: dialog.stats_label.text() != "Counting…")
    assert dialog.stats_label.text().startswith("Nothing accepts connections")


def test_environment_url_is_pointed_out(redis_url):
    dialog = SettingsDialog()
    assert dialog.env_note is not None
    assert "GEOREDIS_URL" in dialog.env_note.text()
    assert ConnectionConfig.from_settings().describe() in dialog.env_note.text()
    # the fields show the saved settings, not the environment's server
    assert dialog.url_edit.text() == settings.URL.value()


def test_no_environment_note_without_the_variable(clean_settings):
    assert SettingsDialog().env_note is None


def test_dialog_closed_while_testing_ignores_the_late_result(clean_settings, qgis_app):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        dialog = SettingsDialog()
        dialog.host_edit.setText("127.0.0.1")
        dialog.port_spin.setValue(silent.getsockname()[1])
        dialog.read_timeout_spin.setValue(0.3)
        task = dialog.test_connection()
        sip.delete(dialog)  # deleted with its parent window, say, while the check still runs
        wait_for_tasks()
    # an exception raised by the finished callback would have replaced the timeout here
    assert isinstance(task.exception, GeoRedisError)
    assert "did not answer within the timeout" in str(task.exception)
