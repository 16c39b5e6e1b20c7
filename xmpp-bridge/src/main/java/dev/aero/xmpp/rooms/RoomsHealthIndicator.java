package dev.aero.xmpp.rooms;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Health component {@code rooms}: UP once every room has been brought in line with SP and the
 * last attempt succeeded; DOWN while SP or ejabberd's API cannot be reached (the detail says
 * what failed). UNKNOWN while the bridge is not configured (no password or secret): it keeps
 * no rooms then, and says so without failing the health of a deployment that runs it unset.
 */
@Component("rooms")
class RoomsHealthIndicator implements HealthIndicator {

    private final RoomReconciler reconciler;

    RoomsHealthIndicator(RoomReconciler reconciler) {
        this.reconciler = reconciler;
    }

    @Override
    public Health health() {
        if (!reconciler.enabled()) {
            return Health.unknown().withDetail("reason", "not configured (bridge password or deployment secret missing)").build();
        }
        String failure = reconciler.lastFailure();
        if (failure != null) {
            return Health.down().withDetail("reason", failure).build();
        }
        if (!reconciler.reconciled()) {
            return Health.outOfService().withDetail("reason", "first reconciliation with SP not done yet").build();
        }
        return Health.up().build();
    }
}
