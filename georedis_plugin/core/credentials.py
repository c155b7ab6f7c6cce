"""Redis credentials read from the QGIS authentication manager whenever a connection opens.

redis-py asks a ``CredentialProvider`` (redis-py 4.4 and later) for the user name and password
each time it opens a connection, so the password stays in the authentication database: no
client, settings entry or cache key holds it, and a password changed there is used by the
next connection without rebuilding the client.
"""

from qgis.core import QgsApplication, QgsAuthMethodConfig
from redis.credentials import CredentialProvider
from redis.exceptions import AuthenticationError

from ..i18n import tr
from .errors import GeoRedisError


class CredentialsUnavailableError(GeoRedisError, AuthenticationError):
    """The authentication configuration cannot be read.

    Also a redis-py error: redis-py closes a half-open connection only when its set-up raises
    a ``RedisError``.
    """


def basic_credentials(authcfg: str) -> tuple:
    """(user name, password) of the 'Basic' authentication configuration ``authcfg``.

    Either may be ''. Raises ``CredentialsUnavailableError`` with what to check.
    """
    method_config = QgsAuthMethodConfig()
    loaded = QgsApplication.authManager().loadAuthenticationConfig(authcfg, method_config, True)
    if not loaded or not method_config.method():
        raise CredentialsUnavailableError(
            tr(
                "The QGIS authentication configuration '{authcfg}' could not be loaded. "
                "Check that it exists (Settings ▸ Options ▸ Authentication) and that the "
                "authentication database is unlocked with its master password."
            ).format(authcfg=authcfg)
        )
    if method_config.method() != "Basic":
        raise CredentialsUnavailableError(
            tr(
                "The authentication configuration '{authcfg}' uses the method '{method}'. "
                "GeoRedis needs a 'Basic' (user name and password) one."
            ).format(authcfg=authcfg, method=method_config.method())
        )
    return method_config.config("username", ""), method_config.config("password", "")


class AuthConfigCredentials(CredentialProvider):
    """Credentials of one Redis connection: a 'Basic' QGIS authentication configuration,
    read anew for every connection, and what a ``GEOREDIS_URL`` or the settings add.

    A user or password written in the URL wins over the configuration's; the user name of
    the settings is used when neither names one.
    """

    def __init__(self, authcfg="", default_username="", url_username="", url_password=""):
        self.authcfg = authcfg
        self.default_username = default_username
        self.url_username = url_username
        # only ever set from GEOREDIS_URL: a URL with a password is never saved to settings
        self.url_password = url_password

    def get_credentials(self):
        auth_username, auth_password = basic_credentials(self.authcfg) if self.authcfg else ("", "")
        username = self.url_username or auth_username or self.default_username
        password = self.url_password or auth_password
        # the shapes redis-py's own UsernamePasswordCredentialProvider returns
        return (username, password) if username else (password,)


def credential_provider(authcfg="", default_username="", url_username="", url_password=""):
    """An ``AuthConfigCredentials`` for these sources, or None when there is nothing to send.

    The authentication configuration is read once here, so that a missing or wrong one is
    reported when the client is built rather than deep inside redis-py.
    """
    if not (authcfg or default_username or url_username or url_password):
        return None
    provider = AuthConfigCredentials(authcfg, default_username, url_username, url_password)
    provider.get_credentials()
    return provider
