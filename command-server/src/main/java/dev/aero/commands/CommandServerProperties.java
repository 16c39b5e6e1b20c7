package dev.aero.commands;

import dev.aero.common.ssmp.PlatformTopics;
import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.aero.common.tls.DeviceTlsSettings;

/**
 * Settings of command-server (prefix {@code aero.commands}). The REST port is Spring's
 * {@code server.port} (9020).
 *
 * @param deploymentSecret the shared secret services authenticate with
 * @param timeToLive a command older than this is dropped when it reaches the head of its queue
 * @param maxAttempts a command the device reports failing this many times moves to the dead letters
 * @param verkehrUrl verkehr's HTTP API, through which enqueued commands are pushed
 * @param verkehrSsmp verkehr's SSMP listener ({@code host:port}); when set, pushes go over one SSMP
 *        connection (TLS checked against the platform CA, which the device listener brings), and
 *        through {@code verkehr-url} only while that connection is down; empty = HTTP only
 * @param pushTimeout how long one push to verkehr may take
 * @param pushRetryFirst after a failed push, the wait before the device's head is pushed again;
 *        it doubles with each failure
 * @param pushRetryMax the longest wait between two pushes of a device's head
 * @param eventsStream verkehr's connection events: a device's login pushes its head command
 * @param spUrl SP's base URL: the CA certificate and (without certificate files) the device
 *        listener's server certificate come from it
 * @param deviceTls the HTTPS listener on which devices read and acknowledge their own queue
 */
@ConfigurationProperties("aero.commands")
public record CommandServerProperties(
        @DefaultValue("") String deploymentSecret,
        @DefaultValue("14d") Duration timeToLive,
        @DefaultValue("10") int maxAttempts,
        @DefaultValue("http://127.0.0.1:25234") URI verkehrUrl,
        @DefaultValue("") String verkehrSsmp,
        @DefaultValue("2s") Duration pushTimeout,
        @DefaultValue("1s") Duration pushRetryFirst,
        @DefaultValue("5m") Duration pushRetryMax,
        @DefaultValue(PlatformTopics.EVENTS_STREAM) String eventsStream,
        @DefaultValue("http://127.0.0.1:8080") URI spUrl,
        @DefaultValue DeviceTlsSettings deviceTls) {

    public CommandServerProperties {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("aero.commands.max-attempts must be at least 1");
        }
        if (timeToLive.isNegative() || pushTimeout.isNegative() || pushTimeout.isZero()
                || !pushRetryFirst.isPositive() || pushRetryMax.compareTo(pushRetryFirst) < 0) {
            throw new IllegalArgumentException("aero.commands durations must be positive (time-to-live 0 = none), "
                    + "and push-retry-max at least push-retry-first");
        }
    }
}
