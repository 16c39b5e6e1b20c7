package dev.aero.verkehr;

import dev.aero.common.ssmp.PlatformTopics;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of verkehr (prefix {@code aero.verkehr}). The HTTP API port is Spring's
 * {@code server.port} (25234).
 *
 * @param host listen address of the SSMP listener
 * @param port SSMP-over-TLS port
 * @param nodeId this node's name in the cluster; empty = generated at start
 * @param deploymentSecret the shared secret of {@code secret} logins and of the HTTP API
 * @param spUrl SP's base URL: the CA certificate, the CRL and (without certificate files) this
 *        node's server certificate come from it
 * @param openLogin whether the {@code open} scheme (no credential) is accepted: development only
 * @param loginTimeout a connection that has not logged in after this long is closed silently
 * @param idlePing after this long without a request the server sends {@code 000 . PING}, and
 *        closes the connection if no request follows within the same time again
 * @param maxOutboundBytes bytes queued for one connection beyond which it is disconnected as a
 *        slow consumer
 * @param maxFanoutBacklog deliveries queued for one event loop by fan-outs from other threads
 *        beyond which publishers stop being read until the queue drains
 * @param maxConnections open connections at most on this node; 0 = unlimited
 * @param ioThreads event-loop threads; 0 = one per core
 * @param maxListedConnections the most connections one {@code GET /v1/connections} may ask for
 * @param tls the TLS listener's key material and revocation checking
 * @param cluster Redis routing between nodes
 * @param history topic history
 * @param events the connection event stream for devman
 * @param stores how store topics learn from SP which stores a device may use
 */
@ConfigurationProperties("aero.verkehr")
public record VerkehrProperties(
        @DefaultValue("0.0.0.0") String host,
        @DefaultValue("29438") int port,
        @DefaultValue("") String nodeId,
        @DefaultValue("") String deploymentSecret,
        @DefaultValue("http://127.0.0.1:8080") URI spUrl,
        @DefaultValue("false") boolean openLogin,
        @DefaultValue("10s") Duration loginTimeout,
        @DefaultValue("30s") Duration idlePing,
        @DefaultValue("262144") int maxOutboundBytes,
        @DefaultValue("65536") long maxFanoutBacklog,
        @DefaultValue("0") int maxConnections,
        @DefaultValue("0") int ioThreads,
        @DefaultValue("10000") int maxListedConnections,
        @DefaultValue Tls tls,
        @DefaultValue Cluster cluster,
        @DefaultValue History history,
        @DefaultValue Events events,
        @DefaultValue Stores stores) {

    public VerkehrProperties {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("aero.verkehr.port must be 0-65535, got " + port);
        }
        positive("login-timeout", loginTimeout);
        positive("idle-ping", idlePing);
        if (maxOutboundBytes < 4096) {
            throw new IllegalArgumentException("aero.verkehr.max-outbound-bytes must be at least 4096");
        }
        if (maxFanoutBacklog < 1) {
            throw new IllegalArgumentException("aero.verkehr.max-fanout-backlog must be positive");
        }
        if (maxListedConnections < 1) {
            throw new IllegalArgumentException("aero.verkehr.max-listed-connections must be positive");
        }
        if (maxConnections < 0 || ioThreads < 0) {
            throw new IllegalArgumentException("aero.verkehr limits must not be negative (0 = unlimited)");
        }
    }

    /**
     * @param certificateFile PEM server certificate chain; empty = enroll with SP
     * @param privateKeyFile PEM (PKCS#8) key of that certificate
     * @param caCertificateFile PEM platform CA certificate; empty = fetched from SP
     * @param hostnames DNS names asked for when enrolling with SP
     * @param crlUrl where the CRL (DER) is read; empty = SP's {@code /api/v1/ca/crl}; {@code file:} URLs work too
     * @param crlRefresh how often the CRL is read; a revoked certificate's connection closes within this
     * @param handshakeTimeout TLS handshake deadline
     * @param renewBefore an enrolled certificate is renewed this long before it expires
     */
    public record Tls(
            @DefaultValue("") Path certificateFile,
            @DefaultValue("") Path privateKeyFile,
            @DefaultValue("") Path caCertificateFile,
            @DefaultValue("localhost") List<String> hostnames,
            @DefaultValue("") String crlUrl,
            @DefaultValue("2s") Duration crlRefresh,
            @DefaultValue("10s") Duration handshakeTimeout,
            @DefaultValue("10d") Duration renewBefore) {

        public boolean enrolls() {
            return certificateFile == null || certificateFile.toString().isEmpty();
        }
    }

    /**
     * @param channelPrefix prefix of this cluster's Redis keys and pub/sub channels
     * @param heartbeat how often a node announces itself
     * @param nodeTimeout a node silent for this long is taken as gone: its connections are closed
     *        for the rest of the cluster
     * @param claimTimeout how long a LOGIN's answer waits for its id to be recorded in Redis; a
     *        login not recorded by then gets no answer: the connection is closed, and the client
     *        reconnects
     * @param redisRequestQueue Redis commands a node holds at most, sent and unanswered or waiting
     *        for a connection to Redis; beyond it a command fails at once. Bounds the node's memory
     *        while Redis is slow or unreachable (Lettuce's default is unbounded).
     */
    public record Cluster(
            @DefaultValue("verkehr") String channelPrefix,
            @DefaultValue("1s") Duration heartbeat,
            @DefaultValue("5s") Duration nodeTimeout,
            @DefaultValue("5s") Duration claimTimeout,
            @DefaultValue("65536") int redisRequestQueue) {

        public Cluster {
            positive("cluster.claim-timeout", claimTimeout);
            if (redisRequestQueue < 16) {
                throw new IllegalArgumentException("aero.verkehr.cluster.redis-request-queue must be at least 16");
            }
        }
    }

    /**
     * @param topicPrefixes topics starting with one of these keep a history
     * @param size messages kept per topic
     * @param ttl a topic's history is dropped this long after its last message
     */
    public record History(
            @DefaultValue(PlatformTopics.ACL_PREFIX) List<String> topicPrefixes,
            @DefaultValue("100") int size,
            @DefaultValue("7d") Duration ttl) {

        public boolean keeps(String topic) {
            for (String prefix : topicPrefixes) {
                if (!prefix.isEmpty() && topic.startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * @param stream Redis stream of login and close events
     * @param maxLength approximate length the stream is trimmed to
     * @param heartbeat how often each node appends a {@code heartbeat} event, by which readers of
     *        the stream tell a node that died (even the last one) from one that is quiet
     */
    public record Events(
            @DefaultValue(PlatformTopics.EVENTS_STREAM) String stream,
            @DefaultValue("1000000") long maxLength,
            @DefaultValue("5s") Duration heartbeat) {

        public Events {
            positive("events.heartbeat", heartbeat);
        }
    }

    /**
     * @param cacheTtl a user's stores are asked of SP again at the latest this long after they
     *        were fetched (its {@code acl/} messages drop them sooner); past it, they are still
     *        used while SP cannot answer
     * @param timeout how long one question to SP may take
     * @param maxCachedUsers users whose stores are kept at most; beyond it the oldest half goes
     */
    public record Stores(
            @DefaultValue("10m") Duration cacheTtl,
            @DefaultValue("2s") Duration timeout,
            @DefaultValue("100000") int maxCachedUsers) {

        public Stores {
            positive("stores.cache-ttl", cacheTtl);
            positive("stores.timeout", timeout);
            if (maxCachedUsers < 1) {
                throw new IllegalArgumentException("aero.verkehr.stores.max-cached-users must be positive");
            }
        }
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("aero.verkehr." + name + " must be positive");
        }
    }
}
