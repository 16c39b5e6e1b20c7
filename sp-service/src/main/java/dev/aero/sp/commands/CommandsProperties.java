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
 */
@ConfigurationProperties("aero.sp.commands")
public record CommandsProperties(
        @DefaultValue("http://127.0.0.1:9020") URI url,
        @DefaultValue("2s") Duration timeout,
        @DefaultValue("60s") Duration maxRetryDelay) {
}
