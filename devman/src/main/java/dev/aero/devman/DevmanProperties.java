package dev.aero.devman;

import dev.aero.common.ssmp.PlatformTopics;
import java.net.URI;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.aero.common.tls.DeviceTlsSettings;

/**
 * Settings of devman (prefix {@code aero.devman}). The REST port is Spring's {@code server.port}
 * (8701).
 *
 * @param deploymentSecret the shared secret services authenticate with (reads, presence ingest)
 * @param eventsStream verkehr's connection events, read in the consumer group {@code devman}
 * @param spUrl SP's base URL: the device listener's certificate, the CA and its CRL come from it
 * @param crlUrl where the CRL (DER) is read; empty = SP's {@code /api/v1/ca/crl}; {@code file:} URLs work too
 * @param crlRefresh how often that CRL is read (a revoked device cannot check in)
 * @param checkinInterval how often devices are asked to check in (returned to them)
 * @param maxBatch the most device ids one status request, or events one presence ingest, may carry
 * @param tombstoneRetention how long a closed connection is remembered, so that its login read
 *        late cannot bring the device back online
 * @param tombstoneCap closed connections remembered per device at most (the oldest go first)
 * @param maxSessionLength the longest session id a presence event from another transport may carry
 * @param trustedProxies front proxies whose {@code X-Forwarded-For} and client certificate
 *        header are believed (addresses or CIDR ranges); empty = none
 * @param clientCertificateHeader the header in which a trusted proxy forwards the device's
 *        verified certificate (URL-encoded PEM)
 * @param deviceTls the HTTPS listener on which devices check in with their certificate (8702)
 * @param verkehrNodeTimeout a verkehr node whose last heartbeat event is older than this is
 *        taken as lost, and its devices' connections as closed (verkehr sends one every 5 s)
 * @param verkehrNodeCheck how often devman looks for lost verkehr nodes
 */
@ConfigurationProperties("aero.devman")
public record DevmanProperties(
        @DefaultValue("") String deploymentSecret,
        @DefaultValue(PlatformTopics.EVENTS_STREAM) String eventsStream,
        @DefaultValue("http://127.0.0.1:8080") URI spUrl,
        @DefaultValue("") String crlUrl,
        @DefaultValue("2s") Duration crlRefresh,
        @DefaultValue("60s") Duration checkinInterval,
        @DefaultValue("1000") int maxBatch,
        @DefaultValue("24h") Duration tombstoneRetention,
        @DefaultValue("256") int tombstoneCap,
        @DefaultValue("200") int maxSessionLength,
        @DefaultValue("") List<String> trustedProxies,
        @DefaultValue("X-Client-Certificate") String clientCertificateHeader,
        @DefaultValue DeviceTlsSettings deviceTls,
        @DefaultValue("30s") Duration verkehrNodeTimeout,
        @DefaultValue("5s") Duration verkehrNodeCheck) {

    public DevmanProperties {
        if (maxBatch < 1 || maxBatch > 10_000) {
            throw new IllegalArgumentException("aero.devman.max-batch must be 1-10000");
        }
        if (tombstoneCap < 1 || maxSessionLength < 1) {
            throw new IllegalArgumentException("aero.devman.tombstone-cap and max-session-length must be positive");
        }
        if (crlRefresh.isNegative() || crlRefresh.isZero() || checkinInterval.isNegative() || checkinInterval.isZero()
                || tombstoneRetention.isNegative() || tombstoneRetention.isZero() || verkehrNodeTimeout.isNegative()
                || verkehrNodeTimeout.isZero() || verkehrNodeCheck.isNegative() || verkehrNodeCheck.isZero()) {
            throw new IllegalArgumentException("aero.devman durations must be positive");
        }
        trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    }

    /** Where the CRL is read. */
    public URI crlSource() {
        return crlUrl.isEmpty() ? spUrl.resolve("/api/v1/ca/crl") : URI.create(crlUrl);
    }
}
