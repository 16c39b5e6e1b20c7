package dev.aero.sp.commands;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where SP delivers device commands (prefix {@code aero.sp.commands}).
 *
 * @param url command-server's service API
 * @param timeout how long one delivery may take
 * @param maxRetryDelay the longest wait between two attempts at one command (the wait doubles from 1 s)
 * @param lease how long a batch taken for delivery is held from other SP nodes; longer than a
 *        batch's deliveries can take
 * @param batch commands taken for delivery at once
 */
@ConfigurationProperties("aero.sp.commands")
public record CommandsProperties(
        @DefaultValue("http://127.0.0.1:9020") URI url,
        @DefaultValue("2s") Duration timeout,
        @DefaultValue("60s") Duration maxRetryDelay,
        @DefaultValue("30s") Duration lease,
        @DefaultValue("100") int batch) {

    public CommandsProperties {
        if (!lease.isPositive() || batch < 1 || maxRetryDelay.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("aero.sp.commands.lease must be positive, batch at least 1 "
                    + "and max-retry-delay at least 1s (the first retry's delay)");
        }
    }
}
