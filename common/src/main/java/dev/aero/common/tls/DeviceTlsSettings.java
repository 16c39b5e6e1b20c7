package dev.aero.common.tls;

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
 */
public record DeviceTlsSettings(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("0.0.0.0") String host,
        @DefaultValue("0") int port,
        @DefaultValue("") String certificateFile,
        @DefaultValue("") String privateKeyFile,
        @DefaultValue("") String caCertificateFile,
        @DefaultValue("localhost") List<String> hostnames) {

    public DeviceTlsSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("device-tls.port must be 0-65535");
        }
        hostnames = hostnames == null ? List.of() : List.copyOf(hostnames);
    }
}
