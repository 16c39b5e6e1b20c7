package dev.aero.common.tls;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of a service's HTTPS listener for devices (client certificates from the platform
 * CA), bound under each service's own prefix, e.g. {@code aero.commands.device-tls}.
 *
 * @param enabled whether the device listener runs
 * @param host listen address
 * @param port HTTPS port (0 = any free one); each service sets its own in its application.yml
 * @param certificateFile PEM server certificate chain; empty = enroll with SP
 * @param privateKeyFile PEM (PKCS#8) key of that certificate
 * @param caCertificateFile PEM platform CA certificate; empty = fetched from SP
 * @param hostnames DNS names (and IP literals) asked for when enrolling with SP
 * @param keepAlive how long an idle device connection stays open for its next request (a
 *        service whose devices call at a fixed interval, devman's check-ins, sets it above
 *        that interval so that a device does not make a new TLS handshake for every call)
 * @param maxConnections device connections held at once; more wait in the accept queue
 */
public record DeviceTlsSettings(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("0.0.0.0") String host,
        @DefaultValue("0") int port,
        @DefaultValue("") String certificateFile,
        @DefaultValue("") String privateKeyFile,
        @DefaultValue("") String caCertificateFile,
        @DefaultValue("localhost") List<String> hostnames,
        @DefaultValue("60s") Duration keepAlive,
        @DefaultValue("16384") int maxConnections) {

    public DeviceTlsSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("device-tls.port must be 0-65535");
        }
        if (keepAlive == null || keepAlive.isNegative() || keepAlive.isZero() || keepAlive.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("device-tls.keep-alive must be positive");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("device-tls.max-connections must be at least 1");
        }
        hostnames = hostnames == null ? List.of() : List.copyOf(hostnames);
    }
}
