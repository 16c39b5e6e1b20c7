package dev.aero.common.ssmp;

import java.util.Map;

import dev.aero.common.id.DID;
import dev.aero.common.id.InvalidIdentifierException;

/**
 * verkehr's events (the Redis stream {@code verkehr:events}, docs/protocols/ssmp.md): connection
 * logins and closes (type, id, address, node, conn, time, scheme, cause, and serial/did for
 * certificate logins), and node heartbeats and losses (type, node, time), as the services that
 * follow them read them.
 */
public final class ConnectionEvents {

    /** A connection logged in: id, address, node, conn, time, scheme (and did, serial for {@code cert}). */
    public static final String LOGIN = "login";
    /** A connection closed: as login, and its cause ({@code node-lost} when a node was found dead). */
    public static final String CLOSE = "close";
    /** A node is alive (node, time); each node appends one every {@code events.heartbeat} (5 s). */
    public static final String HEARTBEAT = "heartbeat";
    /**
     * A node was found dead by another node, which has ended its connections (node; time = its
     * last heartbeat). A node that dies alone has no one to say so: its heartbeats stop.
     */
    public static final String NODE_LOST = "node-lost";

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
