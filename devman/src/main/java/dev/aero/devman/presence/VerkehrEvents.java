package dev.aero.devman.presence;

import java.time.Instant;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.MeterRegistry;

import dev.aero.common.id.DID;
import dev.aero.common.redis.StreamGroupReader;
import dev.aero.common.ssmp.ConnectionEvents;

/**
 * Applies verkehr's events ({@code verkehr:events}) to the presence store: connection logins and
 * closes (type, id, address, node, conn, time, scheme, cause, and did/serial for certificate
 * logins), and node heartbeats and losses ({@link VerkehrNodes}). Only
 * devices that logged in with their certificate count: a {@code secret} login is a service, and
 * an {@code open} login proves nothing. Events that do not parse are counted and skipped (never
 * retried forever); a Redis failure throws, so the event stays unacknowledged and is read again.
 */
public final class VerkehrEvents implements StreamGroupReader.Handler {

    private static final Logger log = LoggerFactory.getLogger(VerkehrEvents.class);
    public static final String TRANSPORT = "ssmp";

    private final PresenceStore store;
    private final VerkehrNodes nodes;
    private final MeterRegistry meters;

    public VerkehrEvents(PresenceStore store, VerkehrNodes nodes, MeterRegistry meters) {
        this.store = store;
        this.nodes = nodes;
        this.meters = meters;
    }

    @Override
    public void handle(String id, Map<Object, Object> event) {
        String type = text(event, "type");
        if (ConnectionEvents.HEARTBEAT.equals(type) || ConnectionEvents.NODE_LOST.equals(type)) {
            node(id, type, event);
            return;
        }
        if (!ConnectionEvents.LOGIN.equals(type) && !ConnectionEvents.CLOSE.equals(type)) {
            count("ignored");
            return;
        }
        DID did = ConnectionEvents.device(event, true);
        if (did == null) {
            count("not-a-device");
            return;
        }
        String connection = text(event, "conn");
        Instant time = time(event);
        if (connection == null || connection.isEmpty() || connection.length() > 200 || time == null) {
            log.debug("skipping malformed event {}: {}", id, event);
            count("malformed");
            return;
        }
        String address = text(event, "address");
        PresenceStore.Outcome outcome = ConnectionEvents.LOGIN.equals(type)
                ? store.connected(did, connection, TRANSPORT, time, address)
                : store.disconnected(did, connection, time, address);
        count(type + (outcome == PresenceStore.Outcome.STALE ? "-stale" : ""));
    }

    /** A node's heartbeat, or its loss as another node found it. */
    private void node(String id, String type, Map<Object, Object> event) {
        String node = text(event, "node");
        Instant time = time(event);
        if (node == null || node.isEmpty() || node.length() > 200 || node.indexOf('/') >= 0 || time == null) {
            log.debug("skipping malformed event {}: {}", id, event);
            count("malformed");
            return;
        }
        if (ConnectionEvents.HEARTBEAT.equals(type)) {
            nodes.heartbeat(node, time);
        } else {
            nodes.lost(node, time);
        }
        count(type);
    }

    private static Instant time(Map<Object, Object> event) {
        String t = text(event, "time");
        if (t == null || t.isEmpty() || t.length() > 15 || !t.chars().allMatch(Character::isDigit)) {
            return null;
        }
        return Instant.ofEpochMilli(Long.parseLong(t));
    }

    private static String text(Map<Object, Object> event, String field) {
        Object v = event.get(field);
        return v == null ? null : v.toString();
    }

    private void count(String result) {
        meters.counter("aero.devman.events.applied", "source", "verkehr", "result", result).increment();
    }
}
