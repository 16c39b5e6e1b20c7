package dev.aero.verkehr.connection;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** {@code ssmp} health: UP once the TLS listener is bound (it waits for its key material). */
@Component("ssmp")
class SsmpHealthIndicator implements HealthIndicator {

    private final SsmpServer server;

    SsmpHealthIndicator(SsmpServer server) {
        this.server = server;
    }

    @Override
    public Health health() {
        return server.listening() ? Health.up().build() : Health.down().withDetail("reason", "no TLS key material yet").build();
    }
}
