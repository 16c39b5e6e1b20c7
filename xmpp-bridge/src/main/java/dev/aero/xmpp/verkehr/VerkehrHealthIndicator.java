package dev.aero.xmpp.verkehr;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** Health component {@code verkehr}: the store feed's SSMP connection is logged in (UNKNOWN when the feed is off). */
@Component("verkehr")
class VerkehrHealthIndicator implements HealthIndicator {

    private final VerkehrLink feed;

    VerkehrHealthIndicator(VerkehrLink feed) {
        this.feed = feed;
    }

    @Override
    public Health health() {
        if (!feed.enabled()) {
            return Health.unknown().withDetail("reason", "no verkehr connection configured").build();
        }
        return feed.connected() ? Health.up().build() : Health.down().withDetail("reason", "verkehr unreachable").build();
    }
}
