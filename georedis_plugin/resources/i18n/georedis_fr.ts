<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr">
  <context>
    <name>GeoRedis</name>
    <message>
      <location filename="../../../georedis_plugin/core/cache_aside.py" line="71" />
      <source>Reading the cache was slower than computing ({read:.1f} ms against {compute:.1f} ms a value): GeoRedis computes the rest of this run without the cache. Check the link to the Redis server.</source>
      <translation>La lecture du cache était plus lente que le calcul ({read:.1f} ms contre {compute:.1f} ms par valeur) : GeoRedis calcule le reste de cette exécution sans le cache. Vérifiez la liaison avec le serveur Redis.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/clients.py" line="236" />
      <source>A Redis Cluster has only database 0. Set the database to 0.</source>
      <translation>Un Redis Cluster n'a que la base 0. Réglez la base de données sur 0.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/clients.py" line="240" />
      <source>In a Redis Cluster the key prefix cannot contain '{' or '}': they would decide the hash slot of every key. Choose another key prefix.</source>
      <translation>Dans un Redis Cluster, le préfixe des clés ne peut pas contenir « { » ni « } » : ils décideraient du slot de hachage de chaque clé. Choisissez un autre préfixe.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/clients.py" line="407" />
      <source>cluster of {n} primaries</source>
      <translation>cluster de {n} primaires</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/clients.py" line="410" />
      <source>Sentinel service '{service}', primary at {host}:{port}</source>
      <translation>service Sentinel '{service}', primaire à {host}:{port}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/config.py" line="47" />
      <source>The key prefix is empty. Choose a key prefix, e.g. 'georedis'.</source>
      <translation>Le préfixe des clés est vide. Choisissez un préfixe, par exemple 'georedis'.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/config.py" line="53" />
      <source>The key prefix '{prefix}' contains '{family}', a name GeoRedis uses after a prefix for its own keys: its keys would mix with those of the prefix '{shorter}'. Choose a prefix without the parts {families}.</source>
      <translation>Le préfixe des clés '{prefix}' contient '{family}', un nom que GeoRedis utilise après un préfixe pour ses propres clés : ses clés se mêleraient à celles du préfixe '{shorter}'. Choisissez un préfixe sans les parties {families}.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/config.py" line="116" />
      <source>The URL contains a password. Remove it from the URL and store the credentials in a QGIS authentication configuration (Basic) instead.</source>
      <translation>L'URL contient un mot de passe. Retirez-le de l'URL et enregistrez les identifiants dans une configuration d'authentification QGIS (Basic).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/config.py" line="165" />
      <source>an unreadable address</source>
      <translation>une adresse illisible</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/config.py" line="228" />
      <source>'{item}' is not a node address. Write nodes as host:port, host:port.</source>
      <translation>'{item}' n'est pas une adresse de nœud. Écrivez les nœuds sous la forme hôte:port, hôte:port.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/config.py" line="235" />
      <source>No nodes are given. List the cluster's or the Sentinels' host:port addresses.</source>
      <translation>Aucun nœud n'est indiqué. Listez les adresses hôte:port du cluster ou des Sentinels.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/config.py" line="256" />
      <source>'{scheme}://' is not a Redis URL scheme. Use redis:// or rediss:// for one server, redis+cluster:// for a Redis Cluster, redis+sentinel:// for Sentinel.</source>
      <translation>'{scheme}://' n'est pas un schéma d'URL Redis. Utilisez redis:// ou rediss:// pour un serveur, redis+cluster:// pour un Redis Cluster, redis+sentinel:// pour Sentinel.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/config.py" line="268" />
      <source>The port in '{url}' is not a number.</source>
      <translation>Le port de '{url}' n'est pas un nombre.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/config.py" line="274" />
      <source>A Redis Cluster has only database 0. Remove the database from the URL.</source>
      <translation>Un Redis Cluster n'a que la base 0. Retirez la base de données de l'URL.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/config.py" line="280" />
      <source>A Sentinel URL needs the service (master) name: redis+sentinel://host:26379,host:26380/mymaster/0.</source>
      <translation>Une URL Sentinel doit contenir le nom du service (maître) : redis+sentinel://hôte:26379,hôte:26380/mymaster/0.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/config.py" line="295" />
      <source>'{value}' is not a database number.</source>
      <translation>'{value}' n'est pas un numéro de base de données.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/credentials.py" line="35" />
      <source>The QGIS authentication configuration '{authcfg}' could not be loaded. Check that it exists (Settings ▸ Options ▸ Authentication) and that the authentication database is unlocked with its master password.</source>
      <translation>La configuration d'authentification QGIS '{authcfg}' n'a pas pu être chargée. Vérifiez qu'elle existe (Préférences ▸ Options ▸ Authentification) et que la base d'authentification est déverrouillée par son mot de passe principal.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/credentials.py" line="43" />
      <source>The authentication configuration '{authcfg}' uses the method '{method}'. GeoRedis needs a 'Basic' (user name and password) one.</source>
      <translation>La configuration d'authentification '{authcfg}' utilise la méthode '{method}'. GeoRedis a besoin d'une configuration « Basic » (nom d'utilisateur et mot de passe).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="78" />
      <source>{command} (command {number} of a pipeline): {reason}</source>
      <translation>{command} (commande {number} d'un pipeline) : {reason}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="126" />
      <source>Redis at {where} refused the credentials ({error}). Check the user name and password in the authentication configuration chosen in the GeoRedis settings.</source>
      <translation>Redis à {where} a refusé les identifiants ({error}). Vérifiez le nom d'utilisateur et le mot de passe de la configuration d'authentification choisie dans les paramètres GeoRedis.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="131" />
      <source>The Redis user has no permission for this ({error}). Ask the administrator for access to the keys under '{prefix}:*' and the commands GeoRedis uses.</source>
      <translation>L'utilisateur Redis n'a pas la permission pour cette opération ({error}). Demandez à l'administrateur l'accès aux clés '{prefix}:*' et aux commandes qu'utilise GeoRedis.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="136" />
      <source>Redis at {where} did not answer within the timeout ({connect:g} s to connect, {read:g} s to read). Check that the server is up and reachable, or raise the timeouts in the settings.</source>
      <translation>Redis à {where} n'a pas répondu dans le délai ({connect:g} s pour se connecter, {read:g} s pour lire). Vérifiez que le serveur fonctionne et est joignable, ou augmentez les délais dans les paramètres.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="143" />
      <source>With TLS on, a server that does not use TLS looks like this: check the TLS setting.</source>
      <translation>Avec TLS activé, un serveur qui n'utilise pas TLS se comporte ainsi : vérifiez le réglage TLS.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="150" />
      <source>Redis at {where} has as many clients as its maxclients setting allows. Try again later, or ask the administrator to raise maxclients.</source>
      <translation>Redis à {where} a autant de clients que son réglage maxclients le permet. Réessayez plus tard, ou demandez à l'administrateur d'augmenter maxclients.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="159" />
      <source>The server at {where} is not a Redis server: its answer is not in the Redis protocol ({error}); a web server, for one, answers like this. Check the host and port in the GeoRedis settings (Redis listens on 6379 by default).</source>
      <translation>Le serveur à {where} n'est pas un serveur Redis : sa réponse n'est pas dans le protocole Redis ({error}) ; un serveur web, par exemple, répond ainsi. Vérifiez l'hôte et le port dans les paramètres GeoRedis (Redis écoute par défaut sur le port 6379).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="166" />
      <source>Redis at {where} is full and refused a write ({error}). Raise its maxmemory; on a server that only caches results, maxmemory-policy allkeys-lru lets old entries make room (never where geo sets are kept).</source>
      <translation>Redis à {where} est plein et a refusé une écriture ({error}). Augmentez son maxmemory ; sur un serveur qui ne sert que de cache aux résultats, maxmemory-policy allkeys-lru permet aux anciennes entrées de libérer la place (jamais là où sont gardés des ensembles géo).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="172" />
      <source>Redis at {where} has no database {database}. Choose a database from 0 to the server's 'databases' setting minus one (0 to 15 by default).</source>
      <translation>Redis à {where} n'a pas de base de données {database}. Choisissez une base de 0 jusqu'au réglage 'databases' du serveur moins un (0 à 15 par défaut).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="177" />
      <source>Redis at {where} refused a value longer than its limit (proto-max-bulk-len, {error}). Raise proto-max-bulk-len on the server to store values this large.</source>
      <translation>Redis à {where} a refusé une valeur plus longue que sa limite (proto-max-bulk-len, {error}). Augmentez proto-max-bulk-len sur le serveur pour stocker des valeurs aussi grandes.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="183" />
      <source>Redis at {where} does not offer {command}: the administrator disabled it (rename-command in the server's configuration). Live positions are folded by a server-side Lua script, which needs EVALSHA, EVAL and SCRIPT: ask for them to be enabled, or use a server that has them.</source>
      <translation>Redis à {where} ne propose pas {command} : l'administrateur l'a désactivée (rename-command dans la configuration du serveur). Les positions en direct sont agrégées par un script Lua côté serveur, qui a besoin d'EVALSHA, EVAL et SCRIPT : demandez leur activation, ou utilisez un serveur qui les propose.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="190" />
      <source>Redis at {where} does not offer {command}: the command was disabled (rename-command in the server's configuration) or the server is older than Redis 6.2. Ask the administrator to enable it, or use a newer server.</source>
      <translation>Redis à {where} ne propose pas {command} : la commande a été désactivée (rename-command dans la configuration du serveur) ou le serveur est antérieur à Redis 6.2. Demandez à l'administrateur de l'activer, ou utilisez un serveur plus récent.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="195" />
      <source>Redis at {where} answered with an error: {error}</source>
      <translation>Redis à {where} a répondu par une erreur : {error}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="198" />
      <source>Unexpected error talking to Redis at {where}: {kind}: {error}</source>
      <translation>Erreur inattendue en dialoguant avec Redis à {where} : {kind} : {error}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="206" />
      <source>The TLS connection to {where} failed ({error}). Check that the server expects TLS, that the TLS setting matches, and that the CA file signs its certificate.</source>
      <translation>La connexion TLS à {where} a échoué ({error}). Vérifiez que le serveur attend TLS, que le réglage TLS correspond et que le fichier d'AC signe son certificat.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="211" />
      <source>Nothing accepts connections at {where} ({error}). Start redis-server there, or correct the host and port in the GeoRedis settings.</source>
      <translation>Rien n'accepte de connexion à {where} ({error}). Démarrez redis-server à cet endroit, ou corrigez l'hôte et le port dans les paramètres GeoRedis.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="215" />
      <source>The host of {where} is unknown ({error}). Check the host name.</source>
      <translation>L'hôte de {where} est inconnu ({error}). Vérifiez le nom d'hôte.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="222" />
      <source>Redis at {where} closed the connection while GeoRedis was sending ({error}). A value longer than the server's proto-max-bulk-len, or a request over its client-query-buffer-limit, does this: check the server's logs.</source>
      <translation>Redis à {where} a fermé la connexion pendant que GeoRedis envoyait des données ({error}). Une valeur plus longue que le proto-max-bulk-len du serveur, ou une requête dépassant son client-query-buffer-limit, produit cela : consultez les journaux du serveur.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="228" />
      <source>Redis at {where} closed the connection ({error}). If the server expects TLS, turn TLS on in the settings; otherwise check the server's logs.</source>
      <translation>Redis à {where} a fermé la connexion ({error}). Si le serveur attend TLS, activez TLS dans les paramètres ; sinon consultez les journaux du serveur.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="232" />
      <source>Could not talk to Redis at {where} ({error}). Check host, port and TLS settings.</source>
      <translation>Impossible de dialoguer avec Redis à {where} ({error}). Vérifiez l'hôte, le port et les réglages TLS.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="242" />
      <source>The Redis Cluster at {where} is down: some hash slots have no reachable primary ({error}). Check the cluster's nodes (redis-cli --cluster check host:port) and try again once CLUSTER INFO reports cluster_state:ok.</source>
      <translation>Le Redis Cluster à {where} est hors service : certains slots de hachage n'ont pas de primaire joignable ({error}). Vérifiez les nœuds du cluster (redis-cli --cluster check hôte:port) et réessayez quand CLUSTER INFO indique cluster_state:ok.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="251" />
      <source>The Redis Cluster at {where} was moving data between its nodes (failover or resharding: {error}). Run the operation again.</source>
      <translation>Le Redis Cluster à {where} déplaçait des données entre ses nœuds (bascule ou redistribution : {error}). Relancez l'opération.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="256" />
      <source>The Redis Cluster at {where} refused a request spanning several hash slots ({error}). This is a GeoRedis bug: please report it.</source>
      <translation>Le Redis Cluster à {where} a refusé une requête portant sur plusieurs slots de hachage ({error}). C'est un bogue de GeoRedis : merci de le signaler.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="263" />
      <source>The server at {where} is not part of a Redis Cluster. Choose the standalone mode (a redis:// URL), or give the addresses of the cluster's nodes.</source>
      <translation>Le serveur à {where} ne fait pas partie d'un Redis Cluster. Choisissez le mode serveur unique (une URL redis://) ou indiquez les adresses des nœuds du cluster.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="270" />
      <source>Redis at {where} is a read-only replica ({error}). Point GeoRedis at the primary, or use the Sentinel mode so it always finds the primary.</source>
      <translation>Redis à {where} est un réplica en lecture seule ({error}). Pointez GeoRedis vers le primaire, ou utilisez le mode Sentinel pour qu'il trouve toujours le primaire.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="280" />
      <source>The primary of the Sentinel service '{service}' ({where}) could not be reached ({error}). If it has just failed, the Sentinels promote a replica within their down-after time: try again then.</source>
      <translation>Le primaire du service Sentinel '{service}' ({where}) est injoignable ({error}). S'il vient de tomber, les Sentinels promeuvent un réplica après leur délai down-after : réessayez alors.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="286" />
      <source>A node of the Redis Cluster at {where} could not be reached ({error}). If a primary has just failed, the cluster promotes one of its replicas: try again then; otherwise check the nodes' addresses.</source>
      <translation>Un nœud du Redis Cluster à {where} est injoignable ({error}). Si un primaire vient de tomber, le cluster promeut l'un de ses réplicas : réessayez alors ; sinon vérifiez les adresses des nœuds.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="297" />
      <source>The server at {where} is not a Sentinel. List the Sentinels' addresses (port 26379 by default), not the Redis servers'.</source>
      <translation>Le serveur à {where} n'est pas une Sentinel. Indiquez les adresses des Sentinels (port 26379 par défaut), pas celles des serveurs Redis.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="323" />
      <source>The Sentinels at {where} refused the credentials. Choose the Sentinels' own authentication configuration in the GeoRedis settings (or none if they have no password).</source>
      <translation>Les Sentinels à {where} ont refusé les identifiants. Choisissez la configuration d'authentification propre aux Sentinels dans les paramètres GeoRedis (ou aucune si elles n'ont pas de mot de passe).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="330" />
      <source>The TLS connection to the Sentinels at {where} failed ({error}). Check that they expect TLS, that the TLS setting matches, and that the CA file signs their certificates.</source>
      <translation>La connexion TLS aux Sentinels à {where} a échoué ({error}). Vérifiez qu'elles attendent TLS, que le réglage TLS correspond et que le fichier d'AC signe leurs certificats.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="335" />
      <source>No Sentinel at {where} knows a reachable primary for the service '{service}' ({error}). Check the service (master) name and that the Sentinels run; during a failover, try again once a replica has been promoted.</source>
      <translation>Aucune Sentinel à {where} ne connaît de primaire joignable pour le service '{service}' ({error}). Vérifiez le nom du service (maître) et que les Sentinels fonctionnent ; pendant une bascule, réessayez une fois un réplica promu.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="345" />
      <source>The TLS connection to the Redis Cluster at {where} failed ({error}). Check that the nodes expect TLS, that the TLS setting matches, and that the CA file signs their certificates.</source>
      <translation>La connexion TLS au Redis Cluster à {where} a échoué ({error}). Vérifiez que les nœuds attendent TLS, que le réglage TLS correspond et que le fichier d'AC signe leurs certificats.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="358" />
      <source>The Redis Cluster at {where} does not cover every hash slot ({error}). Wait for a failover to finish or repair the cluster (redis-cli --cluster fix).</source>
      <translation>Le Redis Cluster à {where} ne couvre pas tous les slots de hachage ({error}). Attendez la fin d'une bascule ou réparez le cluster (redis-cli --cluster fix).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/errors.py" line="362" />
      <source>No node of the Redis Cluster at {where} answered ({error}). Check the nodes' addresses and that the cluster runs.</source>
      <translation>Aucun nœud du Redis Cluster à {where} n'a répondu ({error}). Vérifiez les adresses des nœuds et que le cluster fonctionne.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/catalog.py" line="84" />
      <source>There is no geo set '{name}' (key {key}) on the server. Load a point layer into it first, or pick one of the listed sets.</source>
      <translation>Il n'y a pas d'ensemble géo '{name}' (clé {key}) sur le serveur. Chargez-y d'abord une couche de points, ou choisissez l'un des ensembles listés.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/catalog.py" line="90" />
      <source>The key {key} holds a {type}, not a geo set. Choose another set name, or delete that key if it is not needed.</source>
      <translation>La clé {key} contient un {type}, pas un ensemble géo. Choisissez un autre nom d'ensemble, ou supprimez cette clé si elle est inutile.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/distances.py" line="36" />
      <source>Unknown distance unit '{unit}'. Use one of: {units}.</source>
      <translation>Unité de distance inconnue '{unit}'. Utilisez l'une de : {units}.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/distances.py" line="47" />
      <source>The search {what} is {value}: give a number of zero or more.</source>
      <translation>Recherche : {what} = {value} ; donnez un nombre positif ou nul.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/distances.py" line="75" />
      <source>Unknown distance mode '{mode}'. Use one of: {modes}.</source>
      <translation>Mode de distance inconnu « {mode} ». Utilisez l'un de : {modes}.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/hits.py" line="177" />
      <source>Could not read the hits back from {path}; building them one by one instead.</source>
      <translation>Impossible de relire les résultats depuis {path} ; ils sont construits un par un.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/hits.py" line="221" />
      <source>QGIS could not write the hits into a memory layer ({error}). Search again; if this repeats, report it with the geo set's field types.</source>
      <translation>QGIS n'a pas pu écrire les résultats dans une couche mémoire ({error}). Relancez la recherche ; si cela se reproduit, signalez-le en donnant les types des champs de l'ensemble géo.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/hits.py" line="223" />
      <source>no reason given</source>
      <translation>sans raison donnée</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/keys.py" line="43" />
      <source>A geo set needs a name. Type a key name and try again.</source>
      <translation>Un ensemble géo a besoin d'un nom. Saisissez un nom de clé et réessayez.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/loading.py" line="141" />
      <source>Loading '{name}' was canceled.</source>
      <translation>Le chargement de '{name}' a été annulé.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/loading.py" line="237" />
      <source>The server dropped part of the geo set '{name}' while it was loading: it held {held} of {count} points ({rows} attribute rows). Its maxmemory-policy evicts keys to make room. Nothing was changed. Keep geo sets on a server without eviction (maxmemory-policy noeviction) or raise its maxmemory, then load again.</source>
      <translation>Le serveur a supprimé une partie de l'ensemble géo '{name}' pendant son chargement : il en détenait {held} points sur {count} ({rows} lignes d'attributs). Sa maxmemory-policy évince des clés pour faire de la place. Rien n'a été modifié. Gardez les ensembles géo sur un serveur sans éviction (maxmemory-policy noeviction) ou augmentez son maxmemory, puis rechargez.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/loading.py" line="263" />
      <source>Could not delete the temporary keys {key}*: {error}</source>
      <translation>Impossible de supprimer les clés temporaires {key}* : {error}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/reading.py" line="135" />
      <source>The attribute '{field}' of '{layer}' could not be read for every feature ({read} of {count}). Load it again once nothing is changing the layer.</source>
      <translation>L'attribut '{field}' de '{layer}' n'a pas pu être lu pour chaque entité ({read} sur {count}). Rechargez la couche quand plus rien ne la modifie.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/reading.py" line="265" />
      <source>The field '{field}' ({type}) holds several values in each feature, which a geo set cannot give back as they were. Turn it into text first (Field calculator: to_json("{field}")), or load without storing the attributes.</source>
      <translation>Le champ '{field}' ({type}) contient plusieurs valeurs dans chaque entité, qu'un ensemble géo ne peut pas restituer telles quelles. Convertissez-le d'abord en texte (calculatrice de champ : to_json("{field}")), ou chargez sans stocker les attributs.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/reading.py" line="287" />
      <source>'{name}' is not a point layer. Choose a layer of points or multipoints.</source>
      <translation>'{name}' n'est pas une couche de points. Choisissez une couche de points ou de multipoints.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/reading.py" line="297" />
      <source>The layer has no field '{field}'. Choose one of its fields as id.</source>
      <translation>La couche n'a pas de champ '{field}'. Choisissez l'un de ses champs comme identifiant.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/search.py" line="98" />
      <source>'{member}' is not a member of the geo set '{name}'. Check the member name (the id field's value, or the feature id).</source>
      <translation>'{member}' n'est pas un membre de l'ensemble géo '{name}'. Vérifiez le nom du membre (la valeur du champ identifiant, ou l'identifiant de l'entité).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/search.py" line="358" />
      <source>The attributes of the geo set '{name}' are gone from the server (key {key} is missing: deleted, or evicted by a maxmemory-policy), though the set was loaded with them. Load the layer into the set again; keep geo sets on a server without eviction (maxmemory-policy noeviction).</source>
      <translation>Les attributs de l'ensemble géo '{name}' ont disparu du serveur (la clé {key} manque : supprimée, ou évincée par une maxmemory-policy), alors que l'ensemble a été chargé avec eux. Chargez de nouveau la couche dans l'ensemble ; gardez les ensembles géo sur un serveur sans éviction (maxmemory-policy noeviction).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/search.py" line="378" />
      <source>Redis cannot search around longitude {lon}, latitude {lat}: it covers latitudes up to ±85.05112878° and longitudes up to ±180°. Choose a centre within that range.</source>
      <translation>Redis ne peut pas chercher autour de la longitude {lon}, latitude {lat} : il couvre les latitudes jusqu'à ±85,05112878° et les longitudes jusqu'à ±180°. Choisissez un centre dans ces limites.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/search.py" line="384" />
      <source>Redis refused the search of '{name}': {error}</source>
      <translation>Redis a refusé la recherche dans '{name}' : {error}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/search.py" line="435" />
      <source>The geo set '{name}' was replaced {count} times while it was being searched. Search again once the loads into it have finished.</source>
      <translation>L'ensemble géo '{name}' a été remplacé {count} fois pendant sa recherche. Relancez la recherche une fois ses chargements terminés.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/shapes.py" line="104" />
      <source>radius</source>
      <translation>rayon</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/shapes.py" line="123" />
      <source>{radius:g} {unit} around {center}</source>
      <translation>{radius:g} {unit} autour de {center}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/shapes.py" line="140" />
      <source>maximum distance</source>
      <translation>distance maximale</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/shapes.py" line="152" />
      <source>{count} nearest {center}</source>
      <translation>{count} plus proches de {center}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/shapes.py" line="248" />
      <source>width</source>
      <translation>largeur</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/shapes.py" line="249" />
      <source>height</source>
      <translation>hauteur</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/shapes.py" line="273" />
      <source>{width:g}x{height:g} {unit} box at {center}</source>
      <translation>rectangle de {width:g}x{height:g} {unit} en {center}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/shapes.py" line="309" />
      <source>The polygon is empty. Select or draw a polygon.</source>
      <translation>Le polygone est vide. Sélectionnez ou dessinez un polygone.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/shapes.py" line="311" />
      <source>Polygon search needs a polygon geometry.</source>
      <translation>La recherche par polygone demande une géométrie polygonale.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/shapes.py" line="353" />
      <source>within polygon</source>
      <translation>dans le polygone</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/shapes.py" line="367" />
      <source>The point cannot be expressed in WGS 84 ({error}). Pick a point on the map.</source>
      <translation>Le point ne peut pas être exprimé en WGS 84 ({error}). Choisissez un point sur la carte.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/shapes.py" line="392" />
      <source>A polygon cannot be expressed in WGS 84 ({error}). Use polygons within the valid area of their layer's CRS.</source>
      <translation>Un polygone ne peut pas être exprimé en WGS 84 ({error}). Utilisez des polygones situés dans l'emprise valide du SCR de leur couche.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/geoset/shapes.py" line="399" />
      <source>There is no polygon to search in (no feature with a geometry). Select or draw one.</source>
      <translation>Il n'y a aucun polygone où chercher (aucune entité n'a de géométrie). Sélectionnez ou dessinez-en un.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/live/fold.py" line="184" />
      <source>The Redis server refused the script that keeps the latest positions of the live stream '{name}' ({error}). Allow EVAL and EVALSHA (the @scripting category) for the GeoRedis user, or ask the administrator to enable Lua scripts.</source>
      <translation>Le serveur Redis a refusé le script qui tient à jour les dernières positions du flux en direct « {name} » ({error}). Autorisez EVAL et EVALSHA (la catégorie @scripting) pour l’utilisateur de GeoRedis, ou demandez à l’administrateur d’activer les scripts Lua.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/live/fold.py" line="260" />
      <source>A key of the live stream '{name}' ({key}*) holds another type of data. Choose another stream name, or delete those keys.</source>
      <translation>Une clé du flux en direct « {name} » ({key}*) contient un autre type de données. Choisissez un autre nom de flux, ou supprimez ces clés.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/live/keys.py" line="36" />
      <source>A live stream needs a name. Type the stream's name.</source>
      <translation>Un flux en direct doit avoir un nom. Saisissez le nom du flux.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/live/reader.py" line="278" />
      <source>Redis unreachable, retrying in {s:g} s: {error}</source>
      <translation>Redis injoignable, nouvel essai dans {s:g} s : {error}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/live/reader.py" line="282" />
      <source>Connecting…</source>
      <translation>Connexion…</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/live/reader.py" line="284" />
      <source>Stopped.</source>
      <translation>Arrêté.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/live/reader.py" line="286" />
      <source>{rate:.0f} updates/s, lag {lag:.2f} s, {ids} ids shown, {skipped} entries skipped</source>
      <translation>{rate:.0f} mises à jour/s, retard {lag:.2f} s, {ids} identifiants affichés, {skipped} entrées ignorées</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/wkb_cache.py" line="324" />
      <source>GeoRedis computes the results without the cache for the rest of this run.</source>
      <translation>GeoRedis calcule les résultats sans le cache pour le reste de ce traitement.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/core/wkb_cache.py" line="486" />
      <source>The cache statistics of this run were not stored: {reason}</source>
      <translation>Les statistiques du cache de cette exécution n'ont pas été enregistrées : {reason}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/dependencies.py" line="155" />
      <source>the Python package 'redis' is not installed</source>
      <translation>le paquet Python « redis » n'est pas installé</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/dependencies.py" line="159" />
      <source>the redis-py in {path} (version {version}) is too old: it has no CredentialProvider; GeoRedis needs redis-py 4.5.5 or newer</source>
      <translation>le redis-py de {path} (version {version}) est trop ancien : il n'a pas de CredentialProvider ; GeoRedis a besoin de redis-py 4.5.5 ou plus récent</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/dependencies.py" line="169" />
      <source>the Python package 'shapely' is not installed</source>
      <translation>le paquet Python « shapely » n'est pas installé</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/dependencies.py" line="174" />
      <source>the shapely in {path} (version {version}) lacks shapely 2's vectorized API ({lacking}); GeoRedis needs shapely 2.x</source>
      <translation>le shapely de {path} (version {version}) n'a pas l'API vectorisée de shapely 2 ({lacking}) ; GeoRedis a besoin de shapely 2.x</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/dependencies.py" line="230" />
      <source>no {names}</source>
      <translation>pas de {names}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/dependencies.py" line="242" />
      <source>an STRtree query with a predicate gave {pairs}</source>
      <translation>une requête STRtree avec un prédicat a donné {pairs}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/dependencies.py" line="244" />
      <source>buffer and intersection on arrays gave {result}</source>
      <translation>tampon et intersection sur des tableaux ont donné {result}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/dependencies.py" line="400" />
      <source>{command}   (in the OSGeo4W Shell)</source>
      <translation>{command}   (dans l'OSGeo4W Shell)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/dock.py" line="19" />
      <source>GeoRedis</source>
      <translation>GeoRedis</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/dock.py" line="31" />
      <source>Check</source>
      <translation>Vérifier</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/dock.py" line="32" />
      <source>Check the connection to the Redis server</source>
      <translation>Vérifier la connexion au serveur Redis</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/dock.py" line="53" />
      <source>Connecting to {where}…</source>
      <translation>Connexion à {where}…</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/dock.py" line="60" />
      <source>{product} {version} at {where}, round trip {ms:.1f} ms</source>
      <translation>{product} {version} à {where}, aller-retour {ms:.1f} ms</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/dock.py" line="69" />
      <source>GeoRedis: check connection</source>
      <translation>GeoRedis : vérification de la connexion</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/dock.py" line="73" />
      <source>Connection check canceled.</source>
      <translation>Vérification de la connexion annulée.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_load_box.py" line="47" />
      <source>Load a point layer into a geo set</source>
      <translation>Charger une couche de points dans un ensemble géo</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_load_box.py" line="57" />
      <source>Layer</source>
      <translation>Couche</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_load_box.py" line="60" />
      <source>Field naming the members; empty = the feature id</source>
      <translation>Champ nommant les membres ; vide = l'identifiant de l'entité</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_load_box.py" line="61" />
      <source>Member name</source>
      <translation>Nom des membres</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_load_box.py" line="63" />
      <source>Name of the geo set; an existing set is replaced</source>
      <translation>Nom de l'ensemble géo ; un ensemble existant est remplacé</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_load_box.py" line="65" />
      <source>Geo set</source>
      <translation>Ensemble géo</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_load_box.py" line="66" />
      <source>Store the attributes with the points</source>
      <translation>Stocker les attributs avec les points</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_load_box.py" line="69" />
      <source>Load</source>
      <translation>Charger</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_load_box.py" line="76" />
      <source>Cancel</source>
      <translation>Annuler</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_load_box.py" line="95" />
      <source>Choose a point layer to load.</source>
      <translation>Choisissez une couche de points à charger.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_load_box.py" line="123" />
      <source>Loading '{name}' was canceled; the geo set is unchanged.</source>
      <translation>Le chargement de '{name}' a été annulé ; l'ensemble géo est inchangé.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_load_box.py" line="135" />
      <source>Loaded {loaded} points into '{name}' in {seconds:.1f} s; skipped {skipped}, duplicate names {duplicates}.</source>
      <translation>{loaded} points chargés dans '{name}' en {seconds:.1f} s ; {skipped} ignorés, {duplicates} noms en double.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_load_box.py" line="154" />
      <source>GeoRedis: load {name}</source>
      <translation>GeoRedis : chargement de {name}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="56" />
      <source>m</source>
      <translation>m</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="57" />
      <source>km</source>
      <translation>km</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="58" />
      <source>mi</source>
      <translation>mi</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="59" />
      <source>ft</source>
      <translation>ft</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="92" />
      <source>Geo sets on the server</source>
      <translation>Ensembles géo sur le serveur</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="99" />
      <source>Refresh</source>
      <translation>Actualiser</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="103" />
      <source>Delete…</source>
      <translation>Supprimer…</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="111" />
      <source>Search the selected geo set</source>
      <translation>Rechercher dans l'ensemble géo sélectionné</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="119" />
      <source>Pick</source>
      <translation>Choisir</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="120" />
      <source>Click the map to set the centre</source>
      <translation>Cliquez sur la carte pour placer le centre</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="127" />
      <source>Point on the map</source>
      <translation>Point sur la carte</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="128" />
      <source>Member of the set</source>
      <translation>Membre de l'ensemble</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="130" />
      <source>Search around a point (typed or picked) or around a member of the selected set</source>
      <translation>Chercher autour d'un point (saisi ou choisi sur la carte) ou autour d'un membre de l'ensemble sélectionné</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="133" />
      <source>Around</source>
      <translation>Autour de</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="134" />
      <source>Centre</source>
      <translation>Centre</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="138" />
      <source>Member name: the id field's value, or the feature id</source>
      <translation>Nom du membre : la valeur du champ identifiant, ou l'identifiant de l'entité</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="139" />
      <source>Member</source>
      <translation>Membre</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="142" />
      <source>Within a radius</source>
      <translation>Dans un rayon</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="143" />
      <source>Within a box</source>
      <translation>Dans un rectangle</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="144" />
      <source>Nearest</source>
      <translation>Plus proches</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="146" />
      <source>Search</source>
      <translation>Rechercher</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="157" />
      <source>Radius</source>
      <translation>Rayon</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="166" />
      <source>Width × height</source>
      <translation>Largeur × hauteur</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="170" />
      <source>all</source>
      <translation>tous</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="171" />
      <source>At most</source>
      <translation>Au plus</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="174" />
      <source>Ellipsoid (WGS 84, as QGIS measures)</source>
      <translation>Ellipsoïde (WGS 84, comme QGIS mesure)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="175" />
      <source>Sphere (as Redis measures)</source>
      <translation>Sphère (comme Redis mesure)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="176" />
      <source>Distances</source>
      <translation>Distances</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="177" />
      <source>Replace the previous hit layer</source>
      <translation>Remplacer la couche de résultats précédente</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="182" />
      <source>Points within the radius of the centre</source>
      <translation>Points dans le rayon autour du centre</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="185" />
      <source>Within selected polygons</source>
      <translation>Dans les polygones sélectionnés</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="187" />
      <source>Points inside the selected features of the active polygon layer</source>
      <translation>Points à l'intérieur des entités sélectionnées de la couche de polygones active</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="192" />
      <source>Draw</source>
      <translation>Dessiner</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="195" />
      <source>Draw a polygon on the map and search within it: click the vertices, right-click to finish (Backspace removes a vertex, Esc starts over)</source>
      <translation>Dessinez un polygone sur la carte et cherchez à l'intérieur : cliquez les sommets, clic droit pour terminer (Retour arrière retire un sommet, Échap recommence)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="233" />
      <source>Within (0 = anywhere)</source>
      <translation>À moins de (0 = partout)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="234" />
      <source>How many</source>
      <translation>Combien</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="236" />
      <source>The members nearest the centre</source>
      <translation>Les membres les plus proches du centre</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="244" />
      <source>Points within the box centred on the centre</source>
      <translation>Les points du rectangle centré sur le centre</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="271" />
      <source>x, y in the map CRS ({crs})</source>
      <translation>x, y dans le SCR de la carte ({crs})</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="289" />
      <source>{name} — {count} points</source>
      <translation>{name} — {count} points</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="293" />
      <source>From '{source}' ({crs}), loaded {when}</source>
      <translation>Depuis '{source}' ({crs}), chargé le {when}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="304" />
      <source>GeoRedis: list geo sets</source>
      <translation>GeoRedis : liste des ensembles géo</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="313" />
      <source>Delete geo set</source>
      <translation>Supprimer l'ensemble géo</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="314" />
      <source>Delete the geo set '{name}' and its stored attributes from Redis?</source>
      <translation>Supprimer de Redis l'ensemble géo '{name}' et ses attributs stockés ?</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="323" />
      <source>Select a geo set in the list first.</source>
      <translation>Sélectionnez d'abord un ensemble géo dans la liste.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="336" />
      <source>GeoRedis: delete {name}</source>
      <translation>GeoRedis : suppression de {name}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="374" />
      <source>Select a geo set in the list (load one first if the list is empty).</source>
      <translation>Sélectionnez un ensemble géo dans la liste (chargez-en un d'abord si la liste est vide).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="386" />
      <source>Type the name of a member of the set to search around.</source>
      <translation>Saisissez le nom d'un membre de l'ensemble autour duquel chercher.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="454" />
      <source>Select one or more polygons in a polygon layer and make it the active layer (click it in the Layers panel), then search again.</source>
      <translation>Sélectionnez un ou plusieurs polygones dans une couche de polygones et faites-en la couche active (cliquez-la dans le panneau Couches), puis relancez la recherche.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="523" />
      <source>{hits} hits in '{name}' in {ms:.0f} ms</source>
      <translation>{hits} résultats dans '{name}' en {ms:.0f} ms</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="532" />
      <source>Searching…</source>
      <translation>Recherche…</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="533" />
      <source>GeoRedis: search {name}</source>
      <translation>GeoRedis : recherche dans {name}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/geoset_panel.py" line="552" />
      <source>QGIS did not add the hit layer '{name}' to the project. Search again.</source>
      <translation>QGIS n'a pas ajouté la couche de résultats '{name}' au projet. Relancez la recherche.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="80" />
      <source>{count} fences of {layer} skipped: no geometry, an empty one, or one that does not transform to WGS 84.</source>
      <translation>{count} géorepères de {layer} ignorés : sans géométrie, avec une géométrie vide ou qui ne se reprojette pas en WGS 84.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="103" />
      <source>Live positions</source>
      <translation>Positions en direct</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="108" />
      <source>Name of the live stream (&lt;prefix&gt;:live:{&lt;name&gt;})</source>
      <translation>Nom du flux en direct (&lt;prefix&gt;:live:{&lt;name&gt;})</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="111" />
      <source>List</source>
      <translation>Lister</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="112" />
      <source>List the live streams on the server with their rates</source>
      <translation>Lister les flux en direct du serveur avec leurs débits</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="115" />
      <source>Stream</source>
      <translation>Flux</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="119" />
      <source> s</source>
      <translation> s</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="120" />
      <source>Ids not seen for this long leave the map (0: never)</source>
      <translation>Les identifiants non vus depuis aussi longtemps quittent la carte (0 : jamais)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="121" />
      <source>Lifetime</source>
      <translation>Durée de vie</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="126" />
      <source>Polygons whose enters and exits are reported</source>
      <translation>Polygones dont les entrées et sorties sont signalées</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="127" />
      <source>Geofences</source>
      <translation>Géorepères</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="128" />
      <source>Start</source>
      <translation>Début</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="136" />
      <source> min</source>
      <translation> min</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="138" />
      <source>Last minutes</source>
      <translation>Dernières minutes</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="140" />
      <source>Load the positions of the last minutes, ready for the Temporal Controller</source>
      <translation>Charger les positions des dernières minutes, prêtes pour le contrôleur temporel</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="144" />
      <source>History</source>
      <translation>Historique</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="181" />
      <source>The live layer could not be added to the project.</source>
      <translation>La couche en direct n’a pas pu être ajoutée au projet.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="195" />
      <source>Stop</source>
      <translation>Arrêter</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="216" />
      <source>{id} entered {fence}</source>
      <translation>{id} est entré dans {fence}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="216" />
      <source>{id} left {fence}</source>
      <translation>{id} est sorti de {fence}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="218" />
      <source>Geofence</source>
      <translation>Géorepère</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="234" />
      <source>{name}  ({rate:.0f}/s, {length} entries)</source>
      <translation>{name}  ({rate:.0f}/s, {length} entrées)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="243" />
      <source>{n} live streams.</source>
      <translation>{n} flux en direct.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="246" />
      <source>GeoRedis: list live streams</source>
      <translation>GeoRedis : lister les flux en direct</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="273" />
      <source>{name}, last {m} min</source>
      <translation>{name}, dernières {m} min</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="282" />
      <source>The history layer could not be built.</source>
      <translation>La couche d’historique n’a pas pu être créée.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="287" />
      <source>{n} positions loaded.</source>
      <translation>{n} positions chargées.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/live_panel.py" line="289" />
      <source>GeoRedis: read live history</source>
      <translation>GeoRedis : lire l’historique en direct</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="35" />
      <source>GeoRedis settings</source>
      <translation>Paramètres GeoRedis</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="40" />
      <source>Redis server</source>
      <translation>Serveur Redis</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="44" />
      <source>redis://host:6379/0  or  rediss://host:6380/0</source>
      <translation>redis://hôte:6379/0  ou  rediss://hôte:6380/0</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="47" />
      <source>A whole Redis URL; when given it replaces the mode, host, port, database and TLS. redis+cluster://host:7000,host:7001 names a Redis Cluster, redis+sentinel://host:26379,host:26380/mymaster/0 a Sentinel service.</source>
      <translation>Une URL Redis complète ; si elle est donnée, elle remplace le mode, l'hôte, le port, la base et TLS. redis+cluster://hôte:7000,hôte:7001 désigne un Redis Cluster, redis+sentinel://hôte:26379,hôte:26380/mymaster/0 un service Sentinel.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="52" />
      <source>URL (optional)</source>
      <translation>URL (facultative)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="54" />
      <source>Standalone server</source>
      <translation>Serveur unique</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="55" />
      <source>Redis Cluster</source>
      <translation>Redis Cluster</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="56" />
      <source>Sentinel</source>
      <translation>Sentinel</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="59" />
      <source>Standalone: one server. Redis Cluster: the keys are spread over the cluster's primaries, found from the seed nodes. Sentinel: the Sentinels name the current primary of a service, which GeoRedis follows after a failover.</source>
      <translation>Serveur unique : un seul serveur. Redis Cluster : les clés sont réparties sur les primaires du cluster, trouvés à partir des nœuds d'amorçage. Sentinel : les Sentinels désignent le primaire courant d'un service, que GeoRedis suit après une bascule.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="64" />
      <source>Mode</source>
      <translation>Mode</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="66" />
      <source>Host</source>
      <translation>Hôte</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="69" />
      <source>Port</source>
      <translation>Port</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="73" />
      <source>Cluster: a few nodes to discover the cluster from. Sentinel: the Sentinels' addresses (port 26379 when omitted).</source>
      <translation>Cluster : quelques nœuds à partir desquels découvrir le cluster. Sentinel : les adresses des Sentinels (port 26379 s'il est omis).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="77" />
      <source>Nodes</source>
      <translation>Nœuds</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="80" />
      <source>The name the Sentinels monitor the primary under.</source>
      <translation>Le nom sous lequel les Sentinels surveillent le primaire.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="81" />
      <source>Service name</source>
      <translation>Nom du service</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="85" />
      <source>Only if the Sentinels themselves require a password: a Basic authentication configuration for them. The server's own is chosen below.</source>
      <translation>Seulement si les Sentinels elles-mêmes exigent un mot de passe : une configuration d'authentification Basic pour elles. Celle du serveur se choisit plus bas.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="89" />
      <source>Sentinel authentication</source>
      <translation>Authentification Sentinel</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="92" />
      <source>Database</source>
      <translation>Base de données</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="95" />
      <source>Redis ACL user; used when the authentication configuration has no user name.</source>
      <translation>Utilisateur ACL Redis ; utilisé quand la configuration d'authentification n'a pas de nom d'utilisateur.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="97" />
      <source>User name (optional)</source>
      <translation>Nom d'utilisateur (facultatif)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="100" />
      <source>A QGIS authentication configuration of type Basic holding the password.</source>
      <translation>Une configuration d'authentification QGIS de type Basic contenant le mot de passe.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="102" />
      <source>Authentication</source>
      <translation>Authentification</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="103" />
      <source>Use TLS</source>
      <translation>Utiliser TLS</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="106" />
      <source>Certificates (*.pem *.crt *.cer);;All files (*)</source>
      <translation>Certificats (*.pem *.crt *.cer);;Tous les fichiers (*)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="107" />
      <source>CA certificate (optional)</source>
      <translation>Certificat d'AC (facultatif)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="109" />
      <source>Key prefix</source>
      <translation>Préfixe des clés</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="111" />
      <source>Connect timeout</source>
      <translation>Délai de connexion</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="113" />
      <source>Read timeout</source>
      <translation>Délai de lecture</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="122" />
      <source>The environment variable {name} is set: GeoRedis connects to {where} instead of the server above until it is unset.</source>
      <translation>La variable d'environnement {name} est définie : GeoRedis se connecte à {where} au lieu du serveur ci-dessus tant qu'elle n'est pas supprimée.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="130" />
      <source>Test connection</source>
      <translation>Tester la connexion</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="139" />
      <source>Geometry cache</source>
      <translation>Cache des géométries</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="144" />
      <source> days</source>
      <translation> jours</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="145" />
      <source>never expire</source>
      <translation>n'expirent jamais</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="146" />
      <source>Keep cached results for</source>
      <translation>Conserver les résultats en cache pendant</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="147" />
      <source>Cache statistics</source>
      <translation>Statistiques du cache</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="194" />
      <source>Sentinels</source>
      <translation>Sentinels</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="195" />
      <source>host:26379, host:26380, host:26381</source>
      <translation>hôte:26379, hôte:26380, hôte:26381</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="197" />
      <source>Seed nodes</source>
      <translation>Nœuds d'amorçage</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="198" />
      <source>host:7000, host:7001, host:7002</source>
      <translation>hôte:7000, hôte:7001, hôte:7002</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="266" />
      <source>Connected to {product} {version} ({mode}), round trip {ms:.1f} ms</source>
      <translation>Connecté à {product} {version} ({mode}), aller-retour {ms:.1f} ms</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="275" />
      <source>GeoRedis: test connection</source>
      <translation>GeoRedis : test de la connexion</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="279" />
      <source>Connection test canceled.</source>
      <translation>Test de la connexion annulé.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="285" />
      <source>Counting…</source>
      <translation>Comptage…</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="292" />
      <source>Cached geometries: {entries}, using {memory}</source>
      <translation>Géométries en cache : {entries}, occupant {memory}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="298" />
      <source>{at} {algorithm}: {hits} hits, {misses} misses</source>
      <translation>{at} {algorithm} : {hits} lues, {misses} calculées</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="302" />
      <source>GeoRedis: cache statistics</source>
      <translation>GeoRedis : statistiques du cache</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/settings_dialog.py" line="306" />
      <source>Counting canceled.</source>
      <translation>Comptage annulé.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/gui/tasks.py" line="39" />
      <source>Canceled.</source>
      <translation>Annulé.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/plugin.py" line="71" />
      <source>GeoRedis could not add its Processing provider: QGIS already has one with the id '{id}'. Remove the other copy of GeoRedis and restart QGIS.</source>
      <translation>GeoRedis n'a pas pu ajouter son fournisseur de traitements : QGIS en a déjà un d'identifiant '{id}'. Supprimez l'autre copie de GeoRedis et redémarrez QGIS.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/plugin.py" line="87" />
      <source>GeoRedis panel</source>
      <translation>Panneau GeoRedis</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/plugin.py" line="91" />
      <source>GeoRedis settings…</source>
      <translation>Paramètres GeoRedis…</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/plugin.py" line="107" />
      <source>GeoRedis cannot start: {problems}. Install them into the QGIS Python, then restart QGIS:</source>
      <translation>GeoRedis ne peut pas démarrer : {problems}. Installez-les dans le Python de QGIS, puis redémarrez QGIS :</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/plugin.py" line="124" />
      <source>shapely runs GEOS {shapely}, QGIS runs GEOS {qgis}: the cached buffer and intersection results come from GEOS {shapely} and may differ from QGIS's native algorithms in the last digits of coordinates. A shapely built with GEOS {qgis} gives identical results.</source>
      <translation>shapely utilise GEOS {shapely}, QGIS utilise GEOS {qgis} : les résultats des tampons et intersections en cache viennent de GEOS {shapely} et peuvent différer de ceux des algorithmes natifs de QGIS dans les derniers chiffres des coordonnées. Un shapely construit avec GEOS {qgis} donne des résultats identiques.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/plugin.py" line="136" />
      <source>redis-py parses Redis replies in Python here (hiredis 3 is not installed; redis-py 6 and newer ignore older hiredis): geo-set searches take 2 to 3 times as long. For the faster parser: {command}</source>
      <translation>redis-py analyse ici les réponses de Redis en Python (hiredis 3 n'est pas installé ; redis-py 6 et plus récents ignorent les hiredis plus anciens) : les recherches dans les geo sets prennent 2 à 3 fois plus de temps. Pour l'analyseur plus rapide : {command}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/box_search.py" line="18" />
      <source>Search a geo set by box</source>
      <translation>Rechercher dans un ensemble géo par rectangle</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/box_search.py" line="22" />
      <source>Finds the points of a geo set in a box centred on a point (GEOSEARCH BYBOX), nearest first. As in Redis, a point is inside when its north-south distance to the centre's parallel is at most half the height and its east-west distance along its own parallel at most half the width, both measured on the WGS 84 ellipsoid (or on Redis's sphere, with 'Distances: Sphere').</source>
      <translation>Trouve les points d'un ensemble géo dans un rectangle centré sur un point (GEOSEARCH BYBOX), du plus proche au plus lointain. Comme dans Redis, un point est à l'intérieur si sa distance nord-sud au parallèle du centre vaut au plus la moitié de la hauteur et sa distance est-ouest, le long de son propre parallèle, au plus la moitié de la largeur, toutes deux mesurées sur l'ellipsoïde WGS 84 (ou sur la sphère de Redis, avec « Distances : Sphère »).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/box_search.py" line="31" />
      <source>Centre of the box, in any CRS.</source>
      <translation>Centre du rectangle, dans n'importe quel SCR.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/box_search.py" line="34" />
      <source>Width</source>
      <translation>Largeur</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/box_search.py" line="34" />
      <source>East-west size, in the distance unit.</source>
      <translation>Taille est-ouest, dans l'unité de distance.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/box_search.py" line="35" />
      <source>Height</source>
      <translation>Hauteur</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/box_search.py" line="35" />
      <source>North-south size, in the distance unit.</source>
      <translation>Taille nord-sud, dans l'unité de distance.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/buffer.py" line="58" />
      <source>Buffer (cached)</source>
      <translation>Tampon (en cache)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/buffer.py" line="72" />
      <source>buffer,grow,fixed,variable,distance,cache,redis</source>
      <translation>tampon,agrandir,fixe,variable,distance,cache,redis</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/buffer.py" line="77" />
      <source>Computes a buffer area for all the features in an input layer, using a fixed or dynamic distance, with exactly the result of QGIS's native Buffer algorithm (same parameters, fields, MultiPolygon output, or one Polygon feature per part when disjoint results are kept separate, null geometries kept, or dropped when dissolving).</source>
      <translation>Calcule une zone tampon pour toutes les entités d'une couche source, avec une distance fixe ou dynamique, en donnant exactement le résultat de l'algorithme Tampon natif de QGIS (mêmes paramètres, mêmes champs, sortie MultiPolygon, ou une entité Polygon par partie lorsque les résultats disjoints sont gardés séparés, géométries nulles conservées, ou écartées lors du regroupement).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/buffer.py" line="85" />
      <source>

With 'Dissolve result', the buffer of each feature is cached as above and the merged geometry too (one more entry, counted in CACHE_HITS / CACHE_MISSES), keyed by the keys of all the buffers it merges.</source>
      <translation>

Avec « Regrouper le résultat », le tampon de chaque entité est mis en cache comme ci-dessus, ainsi que la géométrie fusionnée (une entrée de plus, comptée dans CACHE_HITS / CACHE_MISSES), avec pour clé les clés de tous les tampons qu'elle fusionne.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/buffer.py" line="131" />
      <source>Computing {n} buffers…</source>
      <translation>Calcul de {n} tampons…</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/buffer.py" line="160" />
      <source>The buffer distance of feature {id} is {distance}, not a number GEOS can use. Give a finite distance (check the expression or field that defines it).</source>
      <translation>La distance tampon de l'entité {id} vaut {distance}, un nombre que GEOS ne peut pas utiliser. Donnez une distance finie (vérifiez l'expression ou le champ qui la définit).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/cached.py" line="25" />
      <source>

What is cached: every result geometry, as WKB in Redis, under '&lt;prefix&gt;:cache:{op}:&lt;sha256&gt;'. The SHA-256 covers the operation and its version, the parameters that shape the result and the input geometry's WKB{pair}, so the same geometry with the same parameters is read back from any layer, project or user of the server, and an edited feature is simply recomputed. Entries expire after the lifetime set in the GeoRedis settings (7 days by default, 0 = never). Cached values are checked before use; anything damaged is recomputed and overwritten.

Without Redis: if the server cannot be reached or fails during the run, the algorithm computes everything itself with the same result, logs one warning, and does not wait for Redis again during that run.

Outputs CACHE_HITS and CACHE_MISSES count the geometries read back and computed.</source>
      <translation>

Ce qui est mis en cache : chaque géométrie résultante, en WKB dans Redis, sous '&lt;prefix&gt;:cache:{op}:&lt;sha256&gt;'. Le SHA-256 couvre l'opération et sa version, les paramètres qui déterminent le résultat et le WKB de la géométrie en entrée{pair} : la même géométrie avec les mêmes paramètres est relue depuis n'importe quelle couche, n'importe quel projet ou utilisateur du serveur, et une entité modifiée est simplement recalculée. Les entrées expirent après la durée définie dans les paramètres de GeoRedis (7 jours par défaut, 0 = jamais). Les valeurs en cache sont vérifiées avant usage ; toute valeur endommagée est recalculée et remplacée.

Sans Redis : si le serveur est injoignable ou échoue pendant le traitement, l'algorithme calcule tout lui-même avec le même résultat, consigne un seul avertissement et n'attend plus Redis pendant le reste du traitement.

Les sorties CACHE_HITS et CACHE_MISSES comptent les géométries relues et calculées.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/cached.py" line="53" />
      <source>Cached geoprocessing</source>
      <translation>Géotraitement en cache</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/cached.py" line="81" />
      <source>Use the Redis cache</source>
      <translation>Utiliser le cache Redis</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/cached.py" line="85" />
      <source>Read results computed earlier from Redis and store new ones there. When off, everything is computed and Redis is not contacted.</source>
      <translation>Lire dans Redis les résultats calculés auparavant et y stocker les nouveaux. Désactivé, tout est calculé et Redis n'est pas contacté.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/cached.py" line="91" />
      <source>Geometries read from the cache</source>
      <translation>Géométries lues dans le cache</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/cached.py" line="94" />
      <source>Geometries computed</source>
      <translation>Géométries calculées</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/cached.py" line="118" />
      <source>GeoRedis cannot honour {names} yet: running QGIS's {algorithm} instead, without the cache.</source>
      <translation>GeoRedis ne sait pas encore appliquer {names} : exécution de {algorithm} de QGIS à la place, sans le cache.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/cached.py" line="126" />
      <source>QGIS's {algorithm} could not start.</source>
      <translation>{algorithm} de QGIS n’a pas pu démarrer.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/cached.py" line="137" />
      <source>QGIS's {algorithm} is not available, and this algorithm takes its parameters from it. Restart QGIS; if it persists, check that QGIS's own Processing algorithms load (Processing toolbox).</source>
      <translation>{algorithm} de QGIS n’est pas disponible, et cet algorithme en reprend les paramètres. Redémarrez QGIS ; si le problème persiste, vérifiez que les algorithmes de traitement de QGIS se chargent (boîte à outils de traitements).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/cached.py" line="155" />
      <source>{n} damaged cache values were recomputed and overwritten.</source>
      <translation>{n} valeurs de cache endommagées ont été recalculées et remplacées.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/cached.py" line="163" />
      <source>{n} cache values larger than {mb} MB were not read; their results were computed instead.</source>
      <translation>{n} valeurs de cache de plus de {mb} Mo n'ont pas été lues ; leurs résultats ont été calculés.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/cached.py" line="168" />
      <source>Cache: {hits} geometries read back, {misses} computed.</source>
      <translation>Cache : {hits} géométries relues, {misses} calculées.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/cached_features.py" line="184" />
      <source>Computing {n} results…</source>
      <translation>Calcul de {n} résultats…</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/clear_cache.py" line="18" />
      <source>Clear the geometry cache</source>
      <translation>Vider le cache des géométries</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/clear_cache.py" line="21" />
      <source>Cache</source>
      <translation>Cache</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/clear_cache.py" line="28" />
      <source>Deletes every cached result geometry that GeoRedis stored under the configured key prefix (keys '&lt;prefix&gt;:cache:*'), using SCAN and UNLINK so the server is never blocked. Geo sets and keys of other applications are left alone; the database is never flushed. Outputs the number of deleted entries.</source>
      <translation>Supprime toutes les géométries de résultat que GeoRedis a mises en cache sous le préfixe de clés configuré (clés '&lt;prefix&gt;:cache:*'), avec SCAN et UNLINK pour ne jamais bloquer le serveur. Les ensembles géo et les clés d'autres applications sont laissés intacts ; la base n'est jamais vidée. Renvoie le nombre d'entrées supprimées.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/clear_cache.py" line="35" />
      <source>Deleted cache entries</source>
      <translation>Entrées de cache supprimées</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/clear_cache.py" line="46" />
      <source>Deleted {n} cache entries.</source>
      <translation>{n} entrées de cache supprimées.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/clip.py" line="20" />
      <source>Clip (cached)</source>
      <translation>Couper (en cache)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/clip.py" line="23" />
      <source>clip,intersect,intersection,mask,overlay,cache,redis</source>
      <translation>couper,intersecter,intersection,masque,superposition,cache,redis</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/clip.py" line="27" />
      <source>Keeps the parts of the Input layer's features that fall within the polygons of the Overlay layer, with exactly the result of QGIS's native Clip algorithm: the attributes are not modified, and the overlay is reprojected to the input's CRS.</source>
      <translation>Conserve les parties des entités de la couche source qui se trouvent dans les polygones de la couche de superposition, en donnant exactement le résultat de l'algorithme Couper natif de QGIS : les attributs ne sont pas modifiés, et la couche de superposition est reprojetée dans le SCR de la couche source.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/cover.py" line="97" />
      <source> and the WKB of the overlay geometries it intersects (a hash of each): editing an overlay feature recomputes only the input features it touches</source>
      <translation> et le WKB des géométries de superposition qu'elle intersecte (une empreinte de chacun) : modifier une entité de superposition ne recalcule que les entités source qu'elle touche</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/cover.py" line="135" />
      <source>Invalid geometries that QGIS does not skip: running QGIS's {algorithm} itself, without the cache.</source>
      <translation>Géométries invalides que QGIS n'ignore pas : exécution de {algorithm} de QGIS lui-même, sans le cache.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/difference.py" line="28" />
      <source>Difference (cached)</source>
      <translation>Différence (en cache)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/difference.py" line="31" />
      <source>difference,erase,not overlap,overlay,cache,redis</source>
      <translation>différence,effacer,hors superposition,superposition,cache,redis</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/difference.py" line="35" />
      <source>Keeps the parts of the Input layer's features that fall outside the features of the Overlay layer, with exactly the result of QGIS's native Difference algorithm: the attributes are not modified, and the overlay is reprojected to the input's CRS.</source>
      <translation>Conserve les parties des entités de la couche source qui se trouvent en dehors des entités de la couche de superposition, en donnant exactement le résultat de l'algorithme Différence natif de QGIS : les attributs ne sont pas modifiés, et la couche de superposition est reprojetée dans le SCR de la couche source.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="28" />
      <source>Geo sets</source>
      <translation>Ensembles géo</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="31" />
      <source>meters</source>
      <translation>mètres</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="32" />
      <source>kilometers</source>
      <translation>kilomètres</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="33" />
      <source>miles</source>
      <translation>miles</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="34" />
      <source>feet</source>
      <translation>pieds</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="51" />
      <source>Geo set name</source>
      <translation>Nom de l'ensemble géo</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="52" />
      <source>Name of a geo set loaded with 'Load points into a geo set'.</source>
      <translation>Nom d'un ensemble géo chargé avec « Charger des points dans un ensemble géo ».</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="68" />
      <source>Ellipsoid: hits and distances measured on the WGS 84 ellipsoid, as QGIS's measure tool and $length do. Sphere: Redis's own figures, on its sphere of radius 6372797.56 m (they differ by up to 0.5%).</source>
      <translation>Ellipsoïde : résultats et distances mesurés sur l'ellipsoïde WGS 84, comme le font l'outil de mesure de QGIS et $length. Sphère : les valeurs de Redis lui-même, sur sa sphère de rayon 6372797,56 m (elles diffèrent jusqu'à 0,5 %).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="88" />
      <source>Distance unit</source>
      <translation>Unité de distance</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="91" />
      <source>Unit of the distances given above and of the 'distance' field of the hits.</source>
      <translation>Unité des distances ci-dessus et du champ « distance » des résultats.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="96" />
      <source>Hits</source>
      <translation>Résultats</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="99" />
      <source>Points in WGS 84, nearest first, with 'member', 'distance' (in the chosen unit) and the attributes stored with the set.</source>
      <translation>Points en WGS 84, du plus proche au plus lointain, avec « member », « distance » (dans l'unité choisie) et les attributs stockés avec l'ensemble.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="104" />
      <source>Number of hits</source>
      <translation>Nombre de résultats</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="112" />
      <source>Maximum number of hits (0 = all)</source>
      <translation>Nombre maximal de résultats (0 = tous)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="114" />
      <source>Keep only this many hits, nearest first. 0 keeps them all.</source>
      <translation>Ne garder que ce nombre de résultats, du plus proche au plus lointain. 0 les garde tous.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/geoset_base.py" line="153" />
      <source>{hits} hits in '{name}' ({seconds:.3f} s).</source>
      <translation>{hits} résultats dans '{name}' ({seconds:.3f} s).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/intersection.py" line="79" />
      <source>Intersection (cached)</source>
      <translation>Intersection (en cache)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/intersection.py" line="82" />
      <source>intersection,overlay,clip,cache,redis</source>
      <translation>intersection,superposition,découpage,cache,redis</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/intersection.py" line="86" />
      <source>Extracts the overlapping portions of features in the Input and Overlay layers, with exactly the result of QGIS's native Intersection algorithm: output features carry the attributes of both, the overlay is reprojected to the input's CRS, and results of another dimension than the input are dropped.</source>
      <translation>Extrait les parties qui se chevauchent des entités des couches source et de superposition, en donnant exactement le résultat de l'algorithme Intersection natif de QGIS : les entités produites portent les attributs des deux couches, la couche de superposition est reprojetée dans le SCR de la couche source, et les résultats d'une autre dimension que la source sont écartés.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/intersection.py" line="153" />
      <source>Computing {n} intersections…</source>
      <translation>Calcul de {n} intersections…</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="67" />
      <source>Join attributes by nearest geo-set members</source>
      <translation>Joindre les attributs des membres les plus proches d'un ensemble géo</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="71" />
      <source>Joins each point of the input layer to its nearest members of a geo set, as 'Join attributes by nearest' does with a second layer: the output has the input fields, the member name and the attributes stored with the set (under the prefix), then n (1 for the nearest), distance, feature_x, feature_y, nearest_x and nearest_y (in the input layer's CRS), one feature per neighbour. Distances are geodesic on the WGS 84 ellipsoid, as QGIS measures them (or Redis's, on its sphere, with 'Distances: Sphere'); the geo set is already indexed, so nothing is indexed on each run.</source>
      <translation>Joint chaque point de la couche en entrée à ses membres les plus proches d'un ensemble géo, comme « Joindre les attributs par le plus proche » le fait avec une seconde couche : la sortie a les champs en entrée, le nom du membre et les attributs stockés avec l'ensemble (sous le préfixe), puis n (1 pour le plus proche), distance, feature_x, feature_y, nearest_x et nearest_y (dans le SCR de la couche en entrée), une entité par voisin. Les distances sont géodésiques sur l'ellipsoïde WGS 84, comme QGIS les mesure (ou celles de Redis, sur sa sphère, avec « Distances : Sphère ») ; l'ensemble géo est déjà indexé, rien n'est donc indexé à chaque exécution.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="83" />
      <source>Input point layer</source>
      <translation>Couche de points en entrée</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="85" />
      <source>The points to join, in any CRS.</source>
      <translation>Les points à joindre, dans n'importe quel SCR.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="89" />
      <source>Maximum nearest neighbors</source>
      <translation>Nombre maximum de voisins les plus proches</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="91" />
      <source>How many nearest members to join to each point.</source>
      <translation>Combien de membres les plus proches joindre à chaque point.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="95" />
      <source>Maximum distance (0 = no limit)</source>
      <translation>Distance maximale (0 = sans limite)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="100" />
      <source>Join only members within this distance, in the unit below.</source>
      <translation>Ne joindre que les membres situés à moins de cette distance, dans l'unité ci-dessous.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="105" />
      <source>Unit of the maximum distance and of the 'distance' field.</source>
      <translation>Unité de la distance maximale et du champ « distance ».</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="108" />
      <source>Joined field prefix</source>
      <translation>Préfixe des champs joints</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="111" />
      <source>Put before the names of the joined fields (member and stored attributes).</source>
      <translation>Placé devant le nom des champs joints (membre et attributs stockés).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="115" />
      <source>Discard records which could not be joined</source>
      <translation>Supprimer les enregistrements qui n'ont pas pu être joints</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="117" />
      <source>Leave out the points with no member within the maximum distance.</source>
      <translation>Écarte les points sans aucun membre dans la distance maximale.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="121" />
      <source>Joined layer</source>
      <translation>Couche jointe</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="123" />
      <source>The input points with their nearest members' fields.</source>
      <translation>Les points en entrée avec les champs de leurs membres les plus proches.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="127" />
      <source>Unjoinable features from first layer</source>
      <translation>Entités non joignables de la première couche</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="133" />
      <source>The input features that could not be joined (no geometry, or no member within the maximum distance), as they are.</source>
      <translation>Les entités en entrée qui n'ont pu être jointes (sans géométrie, ou sans membre dans la distance maximale), telles quelles.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="140" />
      <source>Number of joined features from input table</source>
      <translation>Nombre d'entités jointes de la table en entrée</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="145" />
      <source>Number of unjoinable features from input table</source>
      <translation>Nombre d'entités non jointes de la table en entrée</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="156" />
      <source>'{name}' is not a point layer: a geo set is joined to points. Make points of it first (e.g. with 'Centroids' or 'Point on surface') and join those.</source>
      <translation>« {name} » n'est pas une couche de points : un ensemble géo se joint à des points. Faites-en d'abord des points (par exemple avec « Centroïdes » ou « Point sur la surface ») et joignez ceux-ci.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/join_by_nearest.py" line="265" />
      <source>{joined} points joined, {unjoinable} could not be joined ({trips} rounds of pipelined searches).</source>
      <translation>{joined} points joints, {unjoinable} n'ont pas pu être joints ({trips} séries de recherches en pipeline).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_base.py" line="50" />
      <source>Live stream name</source>
      <translation>Nom du flux en direct</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_base.py" line="51" />
      <source>Name of the live stream: its Redis key is &lt;prefix&gt;:live:{&lt;name&gt;}.</source>
      <translation>Nom du flux en direct : sa clé Redis est &lt;prefix&gt;:live:{&lt;name&gt;}.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_geofence_events.py" line="34" />
      <source>Geofence events of a live stream</source>
      <translation>Événements de géorepérage d’un flux en direct</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_geofence_events.py" line="38" />
      <source>Replays the history of the live stream (entries whose ts lies between start and end) through the fences and reports every enter and exit: points where the event happened with id, fence, kind (enter or exit) and ts. An id's first position sets its state without an event; positions older than the id's latest are ignored, as in the live layer, which reports the same events.</source>
      <translation>Rejoue l’historique du flux en direct (les entrées dont le ts est entre le début et la fin) à travers les géorepères et signale chaque entrée et sortie : des points là où l’événement a eu lieu, avec id, fence (le géorepère), kind (enter pour une entrée, exit pour une sortie) et ts. La première position d’un identifiant fixe son état sans événement ; les positions plus anciennes que la dernière de l’identifiant sont ignorées, comme dans la couche en direct, qui signale les mêmes événements.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_geofence_events.py" line="48" />
      <source>Fences</source>
      <translation>Géorepères</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_geofence_events.py" line="50" />
      <source>Polygons, in any CRS.</source>
      <translation>Polygones, dans n’importe quel SCR.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_geofence_events.py" line="54" />
      <source>Fence name field</source>
      <translation>Champ du nom des géorepères</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_geofence_events.py" line="58" />
      <source>Field naming the fences. Empty: the feature id.</source>
      <translation>Champ qui nomme les géorepères. Vide : l’identifiant de l’entité.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_geofence_events.py" line="60" />
      <source>End</source>
      <translation>Fin</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_geofence_events.py" line="62" />
      <source>Empty: no limit on that side.</source>
      <translation>Vide : pas de limite de ce côté.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_geofence_events.py" line="64" />
      <source>Events</source>
      <translation>Événements</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_geofence_events.py" line="96" />
      <source>{count} events.</source>
      <translation>{count} événements.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_geofence_events.py" line="114" />
      <source>{count} fences skipped: no geometry, an empty one, or one that does not transform to WGS 84.</source>
      <translation>{count} géorepères ignorés : sans géométrie, avec une géométrie vide ou qui ne se reprojette pas en WGS 84.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_history.py" line="32" />
      <source>Position history of a live stream</source>
      <translation>Historique des positions d’un flux en direct</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_history.py" line="36" />
      <source>The positions kept in the live stream whose ts lies between start and end (both optional), optionally of some ids only: points with id, ts (UTC) and their attributes, with temporal properties set so that the Temporal Controller animates them at once; or, as tracks, one line per id through its positions in time order (ids with a single position give no line and are counted as skipped). Entries breaking the wire format are skipped and counted.</source>
      <translation>Les positions conservées dans le flux en direct dont le ts est entre le début et la fin (tous deux facultatifs), éventuellement de certains identifiants seulement : des points avec id, ts (UTC) et leurs attributs, dont les propriétés temporelles sont réglées pour que le contrôleur temporel les anime aussitôt ; ou, en traces, une ligne par identifiant passant par ses positions dans l’ordre chronologique (un identifiant d’une seule position ne donne pas de ligne et compte parmi les ignorés). Les entrées qui ne respectent pas le format sont ignorées et comptées.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_history.py" line="51" />
      <source>Ids (comma-separated)</source>
      <translation>Identifiants (séparés par des virgules)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_history.py" line="53" />
      <source>Only these ids. Empty: every id.</source>
      <translation>Seulement ces identifiants. Vide : tous les identifiants.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_history.py" line="56" />
      <source>One line per id</source>
      <translation>Une ligne par identifiant</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_history.py" line="58" />
      <source>Lines with start, end and the number of points of each id.</source>
      <translation>Des lignes avec le début, la fin et le nombre de points de chaque identifiant.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_history.py" line="61" />
      <source>Positions</source>
      <translation>Positions</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_history.py" line="62" />
      <source>Skipped entries</source>
      <translation>Entrées ignorées</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_history.py" line="86" />
      <source>{count} positions of {read} entries read; {skipped} skipped.</source>
      <translation>{count} positions sur {read} entrées lues ; {skipped} ignorées.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_positions.py" line="24" />
      <source>Latest positions of a live stream</source>
      <translation>Dernières positions d’un flux en direct</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_positions.py" line="28" />
      <source>Where the fleet is now: the latest position of every id of the live stream seen within the lifetime, from the state kept on the server (folded from the stream first, so it includes every entry written so far). Points in WGS 84 with id, ts (UTC), age_s (seconds since ts) and the attributes of the latest entry.</source>
      <translation>Où se trouve la flotte maintenant : la dernière position de chaque identifiant du flux en direct vu pendant la durée de vie, d’après l’état tenu sur le serveur (mis à jour d’abord depuis le flux, il comprend donc toutes les entrées écrites jusqu’ici). Des points en WGS 84 avec id, ts (UTC), age_s (secondes depuis ts) et les attributs de la dernière entrée.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_positions.py" line="37" />
      <source>Lifetime (seconds, 0 = every id)</source>
      <translation>Durée de vie (secondes, 0 = tous les identifiants)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_positions.py" line="39" />
      <source>Ids not seen for this long are left out.</source>
      <translation>Les identifiants non vus depuis aussi longtemps sont laissés de côté.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_positions.py" line="41" />
      <source>Latest positions</source>
      <translation>Dernières positions</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_positions.py" line="43" />
      <source>Number of ids</source>
      <translation>Nombre d’identifiants</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_positions.py" line="63" />
      <source>{count} ids.</source>
      <translation>{count} identifiants.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_publish.py" line="53" />
      <source>Publish positions to a live stream</source>
      <translation>Publier des positions dans un flux en direct</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_publish.py" line="57" />
      <source>Appends one entry per point to the live stream (XADD in GeoRedis's wire format, in WGS 84), for instance to replay a recorded track. Each entry carries the id field's value, the time field's value as ts (else the time of writing) and the chosen fields as attributes. Points without geometry or id, multipoints of several parts, points Redis cannot index and null or invalid times are skipped and counted. The stream is trimmed to the retention.</source>
      <translation>Ajoute une entrée par point au flux en direct (XADD au format de GeoRedis, en WGS 84), par exemple pour rejouer une trace enregistrée. Chaque entrée porte la valeur du champ d’identifiant, celle du champ de temps comme ts (sinon l’heure de l’écriture) et les champs choisis comme attributs. Les points sans géométrie ou sans identifiant, les multipoints de plusieurs parties, les points que Redis ne peut pas indexer et les temps nuls ou invalides sont ignorés et comptés. Le flux est réduit à la durée de conservation.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_publish.py" line="67" />
      <source>Point layer</source>
      <translation>Couche de points</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_publish.py" line="69" />
      <source>The positions to publish, in any CRS.</source>
      <translation>Les positions à publier, dans n’importe quel SCR.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_publish.py" line="73" />
      <source>Id field</source>
      <translation>Champ d’identifiant</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_publish.py" line="75" />
      <source>Field naming the vehicle (or other thing) that moves.</source>
      <translation>Champ qui nomme le véhicule (ou l’objet) qui se déplace.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_publish.py" line="79" />
      <source>Time field</source>
      <translation>Champ de temps</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_publish.py" line="85" />
      <source>Date-time of each position (a date-time, an ISO 8601 text or ms since the epoch). Empty: the time of writing.</source>
      <translation>Date et heure de chaque position (une date et heure, un texte ISO 8601 ou des ms depuis l’epoch). Vide : l’heure de l’écriture.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_publish.py" line="92" />
      <source>Fields to send</source>
      <translation>Champs à envoyer</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_publish.py" line="97" />
      <source>Attributes sent with each position, as text.</source>
      <translation>Attributs envoyés avec chaque position, sous forme de texte.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_publish.py" line="101" />
      <source>Retention (seconds, 0 = keep everything)</source>
      <translation>Conservation (secondes, 0 = tout garder)</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_publish.py" line="105" />
      <source>Entries older than this are trimmed from the stream.</source>
      <translation>Les entrées plus anciennes sont retirées du flux.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_publish.py" line="108" />
      <source>Published positions</source>
      <translation>Positions publiées</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_publish.py" line="109" />
      <source>Skipped features</source>
      <translation>Entités ignorées</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/live_publish.py" line="150" />
      <source>Published {count} positions; skipped {skipped} features.</source>
      <translation>{count} positions publiées ; {skipped} entités ignorées.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/load_geoset.py" line="33" />
      <source>Load points into a geo set</source>
      <translation>Charger des points dans un ensemble géo</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/load_geoset.py" line="37" />
      <source>Loads the points of a layer into a Redis geo set, replacing the set atomically: readers see the old set or the new one, never a mix. Points are transformed to WGS 84. Each point is named by the id field (or the feature id); a multipoint gives one member per part, named '&lt;id&gt;#&lt;n&gt;' (n from 1). When names repeat, the last feature wins and the others are counted as duplicates. Points Redis cannot index (no geometry, latitude beyond ±85.05112878°, longitude beyond ±180°) are skipped and counted. Optionally the attributes are stored too, so search hits carry them with the same field names and types.</source>
      <translation>Charge les points d'une couche dans un ensemble géo Redis, en remplaçant l'ensemble de façon atomique : les lecteurs voient l'ancien ensemble ou le nouveau, jamais un mélange. Les points sont transformés en WGS 84. Chaque point est nommé par le champ identifiant (ou l'identifiant de l'entité) ; un multipoint donne un membre par partie, nommé '&lt;id&gt;#&lt;n&gt;' (n à partir de 1). Quand des noms se répètent, la dernière entité l'emporte et les autres sont comptées comme doublons. Les points que Redis ne peut pas indexer (sans géométrie, latitude au-delà de ±85,05112878°, longitude au-delà de ±180°) sont ignorés et comptés. Les attributs peuvent aussi être stockés, pour que les résultats de recherche les portent avec les mêmes noms et types de champs.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/load_geoset.py" line="51" />
      <source>The points (or multipoints) to load, in any CRS.</source>
      <translation>Les points (ou multipoints) à charger, dans n'importe quel SCR.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/load_geoset.py" line="58" />
      <source>Name of the geo set; an existing set of that name is replaced. Empty: a slug of the layer name. Any characters are allowed.</source>
      <translation>Nom de l'ensemble géo ; un ensemble existant de ce nom est remplacé. Vide : une version simplifiée du nom de la couche. Tous les caractères sont permis.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/load_geoset.py" line="65" />
      <source>Member name field</source>
      <translation>Champ nommant les membres</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/load_geoset.py" line="69" />
      <source>Field whose values name the members. Empty: the feature id.</source>
      <translation>Champ dont les valeurs nomment les membres. Vide : l'identifiant de l'entité.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/load_geoset.py" line="72" />
      <source>Store the attributes</source>
      <translation>Stocker les attributs</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/load_geoset.py" line="76" />
      <source>Keep every feature's attributes in a hash next to the set, so search results carry them. Costs memory and loading time.</source>
      <translation>Conserver les attributs de chaque entité dans un hachage à côté de l'ensemble, pour que les résultats de recherche les portent. Coûte de la mémoire et du temps de chargement.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/load_geoset.py" line="83" />
      <source>Loaded points</source>
      <translation>Points chargés</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/load_geoset.py" line="84" />
      <source>Skipped points</source>
      <translation>Points ignorés</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/load_geoset.py" line="85" />
      <source>Duplicate member names</source>
      <translation>Noms de membres en double</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/load_geoset.py" line="121" />
      <source>Loaded {loaded} points into '{name}' ({key}); skipped {skipped}, duplicate names {duplicates}.</source>
      <translation>{loaded} points chargés dans '{name}' ({key}) ; {skipped} ignorés, {duplicates} noms en double.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/nearest_search.py" line="17" />
      <source>Nearest members of a geo set</source>
      <translation>Membres les plus proches d'un ensemble géo</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/nearest_search.py" line="21" />
      <source>Finds the given number of members of a geo set nearest a point, nearest first, optionally within a maximum distance. No radius to guess: the search grows until the last of them is proven nearest, whatever the density of the set. Distances are geodesic on the WGS 84 ellipsoid, as QGIS measures them (or Redis's, on its sphere, with 'Distances: Sphere'). The centre may be given in any CRS.</source>
      <translation>Trouve le nombre donné de membres d'un ensemble géo les plus proches d'un point, du plus proche au plus lointain, éventuellement dans une distance maximale. Aucun rayon à deviner : la recherche s'étend jusqu'à ce que le dernier d'entre eux soit prouvé le plus proche, quelle que soit la densité de l'ensemble. Les distances sont géodésiques sur l'ellipsoïde WGS 84, comme QGIS les mesure (ou celles de Redis, sur sa sphère, avec « Distances : Sphère »). Le centre peut être donné dans n'importe quel SCR.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/nearest_search.py" line="30" />
      <source>The point to search from, in any CRS (e.g. click the map).</source>
      <translation>Le point à partir duquel chercher, dans n'importe quel SCR (par exemple en cliquant sur la carte).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/nearest_search.py" line="33" />
      <source>Number of nearest members</source>
      <translation>Nombre de membres les plus proches</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/nearest_search.py" line="35" />
      <source>How many members to find, nearest first.</source>
      <translation>Combien de membres trouver, du plus proche au plus lointain.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/nearest_search.py" line="45" />
      <source>Leave out members farther than this, in the distance unit chosen below.</source>
      <translation>Écarte les membres plus éloignés que cette distance, dans l'unité de distance choisie ci-dessous.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/polygon_search.py" line="21" />
      <source>Search a geo set by polygon</source>
      <translation>Rechercher dans un ensemble géo par polygone</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/polygon_search.py" line="25" />
      <source>Finds the points of a geo set inside or on the boundary of the polygons of a layer (use 'Selected features only' for a selection). Redis returns the points of the polygons' bounding box, then an exact point-in-polygon test keeps the hits. Distances are measured from the centre of that bounding box.</source>
      <translation>Trouve les points d'un ensemble géo à l'intérieur ou sur le contour des polygones d'une couche (utilisez « Entités sélectionnées uniquement » pour une sélection). Redis renvoie les points du rectangle englobant des polygones, puis un test exact point dans polygone garde les résultats. Les distances sont mesurées depuis le centre de ce rectangle englobant.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/polygon_search.py" line="33" />
      <source>Polygons</source>
      <translation>Polygones</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/polygon_search.py" line="37" />
      <source>Polygon layer, in any CRS; all its polygons (or, with 'Selected features only', the selected ones) are combined.</source>
      <translation>Couche de polygones, dans n'importe quel SCR ; tous ses polygones (ou, avec « Entités sélectionnées uniquement », ceux sélectionnés) sont combinés.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/radius_search.py" line="17" />
      <source>Search a geo set by radius</source>
      <translation>Rechercher dans un ensemble géo par rayon</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/radius_search.py" line="21" />
      <source>Finds the points of a geo set within a radius of a centre point (GEOSEARCH BYRADIUS), nearest first. Distances are geodesic on the WGS 84 ellipsoid, as QGIS measures them (or, with 'Distances: Sphere', Redis's great-circle distances on its sphere of radius 6372797.56 m). The centre may be given in any CRS.</source>
      <translation>Trouve les points d'un ensemble géo dans un rayon autour d'un point central (GEOSEARCH BYRADIUS), du plus proche au plus lointain. Les distances sont géodésiques sur l'ellipsoïde WGS 84, comme QGIS les mesure (ou, avec « Distances : Sphère », les distances orthodromiques de Redis sur sa sphère de rayon 6372797,56 m). Le centre peut être donné dans n'importe quel SCR.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/radius_search.py" line="29" />
      <source>Centre of the search circle, in any CRS (e.g. click the map).</source>
      <translation>Centre du cercle de recherche, dans n'importe quel SCR (par exemple un clic sur la carte).</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/algorithms/radius_search.py" line="38" />
      <source>Search radius, in the distance unit chosen below.</source>
      <translation>Rayon de recherche, dans l'unité de distance choisie plus bas.</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/provider.py" line="67" />
      <source>Could not read the model {path}</source>
      <translation>Impossible de lire le modèle {path}</translation>
    </message>
    <message>
      <location filename="../../../georedis_plugin/processing/provider.py" line="82" />
      <source>GeoRedis: Redis-cached geoprocessing and geo sets</source>
      <translation>GeoRedis : géotraitement mis en cache dans Redis et ensembles géo</translation>
    </message>
  </context>
</TS>
