package dev.aero.sp.sharing;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.aero.sp.outbox.VerkehrOutboxWorker;

/**
 * Where SP publishes users' new ACL epochs, and the SIDs of stores whose device lists changed
 * (prefix {@code aero.sp.acl-push}; both outboxes use these settings).
 *
 * @param verkehrUrl verkehr's service API ({@code POST /v1/publish})
 * @param timeout how long one publish may take
 * @param maxRetryDelay the longest wait between two attempts (the wait doubles from 1 s)
 * @param lease how long a batch taken for delivery is held from other SP nodes
 * @param batch epochs taken for delivery at once, and published in one request (at most 1,000)
 */
@ConfigurationProperties("aero.sp.acl-push")
public record AclPushProperties(
        @DefaultValue("http://127.0.0.1:25234") URI verkehrUrl,
        @DefaultValue("2s") Duration timeout,
        @DefaultValue("60s") Duration maxRetryDelay,
        @DefaultValue("30s") Duration lease,
        @DefaultValue("500") int batch) implements VerkehrOutboxWorker.Settings {

    public AclPushProperties {
        if (!lease.isPositive() || batch < 1 || batch > 1000 || maxRetryDelay.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("aero.sp.acl-push.lease must be positive, batch 1 to 1000 (verkehr's batch limit) "
                    + "and max-retry-delay at least 1s");
        }
    }
}
