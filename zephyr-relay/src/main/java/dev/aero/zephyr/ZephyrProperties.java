package dev.aero.zephyr;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the relay (prefix {@code aero.zephyr}). The status HTTP port is Spring's
 * {@code server.port} (8889).
 *
 * @param host listen address of the relay socket
 * @param port relay TCP port
 * @param bindDeadline how long a client has after REGISTER to send its BIND
 * @param pairingDeadline how long the named peer has to bind back after a BIND; then both close
 * @param idleTimeout a bound pair with no byte in either direction for this long is closed; 0 = off
 * @param maxConnections open relay sockets at most; beyond it new ones are closed at once; 0 = unlimited
 * @param pairBytesPerSecond byte rate of one pair, both directions together; 0 = unlimited
 * @param globalBytesPerSecond byte rate of all pairs together; 0 = unlimited
 * @param preBindBufferBytes bytes held for a client that bound before its peer; past it the relay
 *        stops reading from that client until the pair is bound
 * @param writeBufferHighWaterMark outbound bytes queued for a socket at which its partner stops
 *        being read (flow control); reading resumes at half of it
 * @param maxReadBytes largest single read from a socket
 * @param ioThreads event-loop threads; 0 = one per core
 * @param transport {@code auto} (epoll on Linux, else NIO), {@code epoll} or {@code nio}
 * @param fdReserve file descriptors held back so that, when the process runs out, the relay can
 *        still accept and close new connections (refusing them) instead of stalling
 */
@ConfigurationProperties("aero.zephyr")
public record ZephyrProperties(
        @DefaultValue("0.0.0.0") String host,
        @DefaultValue("8888") int port,
        @DefaultValue("15s") Duration bindDeadline,
        @DefaultValue("30s") Duration pairingDeadline,
        @DefaultValue("10m") Duration idleTimeout,
        @DefaultValue("0") int maxConnections,
        @DefaultValue("0") long pairBytesPerSecond,
        @DefaultValue("0") long globalBytesPerSecond,
        @DefaultValue("65536") int preBindBufferBytes,
        @DefaultValue("1048576") int writeBufferHighWaterMark,
        @DefaultValue("524288") int maxReadBytes,
        @DefaultValue("0") int ioThreads,
        @DefaultValue("auto") String transport,
        @DefaultValue("16") int fdReserve) {

    public ZephyrProperties {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("aero.zephyr.port must be 0-65535, got " + port);
        }
        requirePositive("bind-deadline", bindDeadline);
        requirePositive("pairing-deadline", pairingDeadline);
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("aero.zephyr.idle-timeout must not be negative");
        }
        if (maxConnections < 0 || pairBytesPerSecond < 0 || globalBytesPerSecond < 0 || ioThreads < 0 || fdReserve < 0) {
            throw new IllegalArgumentException("aero.zephyr limits must not be negative (0 = unlimited)");
        }
        if (preBindBufferBytes < 1 || writeBufferHighWaterMark < 2 || maxReadBytes < 1024) {
            throw new IllegalArgumentException("aero.zephyr buffer sizes too small");
        }
        if (!transport.equals("auto") && !transport.equals("epoll") && !transport.equals("nio")) {
            throw new IllegalArgumentException("aero.zephyr.transport must be auto, epoll or nio, got " + transport);
        }
    }

    private static void requirePositive(String name, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("aero.zephyr." + name + " must be positive");
        }
    }
}
