package dev.aero.xmpp.relay;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** Health component {@code ejabberd}: the bridge's XMPP session is signed in (UNKNOWN when the bridge is not configured). */
@Component("ejabberd")
public class XmppHealthIndicator implements HealthIndicator {

    private final XmppRelay relay;

    public XmppHealthIndicator(XmppRelay relay) {
        this.relay = relay;
    }

    @Override
    public Health health() {
        if (!relay.enabled()) {
            return Health.unknown().withDetail("reason", "not configured").build();
        }
        return relay.connected() ? Health.up().build() : Health.down().withDetail("reason", "ejabberd unreachable").build();
    }
}
