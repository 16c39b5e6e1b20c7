package dev.aero.console;

import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the console (prefix {@code aero.console}).
 *
 * @param spUrl SP's base URL: sign-in and every action go there as the signed-in admin
 * @param devmanUrl devman's service API (last address of a device, devices online)
 * @param commandServerUrl command-server's service API (devices with dead letters)
 * @param verkehrUrl verkehr's service API (its nodes and connections)
 * @param deploymentSecret what the console reads the other services' service APIs with
 * @param services every service whose health the overview shows: name to management base URL
 *        (its actuator, e.g. {@code http://127.0.0.1:8081}); zephyr's also gives relay figures
 * @param idleTimeout a session unused this long ends (also the session cookie's server-side life)
 * @param defaultZone the time zone dates are shown in when the browser did not say its own
 * @param liveInterval how often the live parts of a page ask for fresh state (sent to the page)
 * @param callTimeout how long a call to another service may take before the page says so
 */
@ConfigurationProperties("aero.console")
public record ConsoleProperties(
        @DefaultValue("http://127.0.0.1:8080") URI spUrl,
        @DefaultValue("http://127.0.0.1:8701") URI devmanUrl,
        @DefaultValue("http://127.0.0.1:9020") URI commandServerUrl,
        @DefaultValue("http://127.0.0.1:25234") URI verkehrUrl,
        @DefaultValue("") String deploymentSecret,
        Map<String, URI> services,
        @DefaultValue("30m") Duration idleTimeout,
        @DefaultValue("UTC") ZoneId defaultZone,
        @DefaultValue("1s") Duration liveInterval,
        @DefaultValue("3s") Duration callTimeout) {

    public ConsoleProperties {
        services = services == null ? Map.of() : new LinkedHashMap<>(services);
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("aero.console.idle-timeout must be positive");
        }
        if (liveInterval.toMillis() < 200 || liveInterval.toMillis() > 60_000) {
            throw new IllegalArgumentException("aero.console.live-interval must be 200ms-60s");
        }
    }
}
