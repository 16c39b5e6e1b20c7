package dev.aero.common.ssmp;

import java.util.Map;

import dev.aero.common.id.DID;
import dev.aero.common.id.InvalidIdentifierException;

/**
 * verkehr's connection events (the Redis stream {@code verkehr:events}: type, id, address, node,
 * conn, time, scheme, cause, and serial/did for certificate logins), as the services that follow
 * them read them.
 */
public final class ConnectionEvents {

    private ConnectionEvents() {
    }

    /**
     * The device an event is about: its {@code did} field (certificate logins), else its id of
     * the form {@code <did>[/suffix]} (closes of a lost node carry no {@code did}); with
     * {@code certificateOnly}, the id counts only for a {@code cert} login, since any other
     * scheme proves nothing about a device. Null when neither names a device.
     */
    public static DID device(Map<?, ?> event, boolean certificateOnly) {
        Object did = event.get("did");
        String candidate;
        if (did != null) {
            candidate = did.toString();
        } else {
            Object id = event.get("id");
            if (id == null || (certificateOnly && !"cert".equals(String.valueOf(event.get("scheme"))))) {
                return null;
            }
            candidate = id.toString();
            int slash = candidate.indexOf('/');
            if (slash > 0) {
                candidate = candidate.substring(0, slash);
            }
        }
        try {
            return DID.of(candidate);
        } catch (InvalidIdentifierException e) {
            return null;
        }
    }
}
