package dev.aero.sp.ca;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * SP's HTTPS listener for devices: it asks every client for a certificate and serves the same
 * API as the plain port. Its server certificate is issued by the platform CA at start.
 *
 * @param enabled whether to open the listener
 * @param port its port (0 = any free port)
 * @param address the address to bind, e.g. 127.0.0.1; empty = all
 * @param hostnames DNS names in the server certificate
 * @param ipAddresses IP addresses in the server certificate
 * @param certificateValidity lifetime of the server certificate (re-issued at every start)
 */
@ConfigurationProperties("aero.sp.device-tls")
public record DeviceTlsProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("8443") int port,
        @DefaultValue("") String address,
        @DefaultValue("localhost") List<String> hostnames,
        @DefaultValue({ "127.0.0.1", "::1" }) List<String> ipAddresses,
        @DefaultValue("365d") Duration certificateValidity) {
}
