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
 * Applies verkehr's connection events ({@code verkehr:events}: type, id, address, node, conn,
 * time, scheme, cause, and did/serial for certificate logins) to the presence store. Only
 * devices that logged in with their certificate count: a {@code secret} login is a service, and
 * an {@code open} login proves nothing. Events that do not parse are counted and skipped (never
 * retried forever); a Redis failure throws, so the event stays unacknowledged and is read again.
 */
public final class VerkehrEvents implements StreamGroupReader.Handler {

    private static final Logger log = LoggerFactory.getLogger(VerkehrEvents.class);
    public static final String TRANSPORT = "ssmp";

    private final PresenceStore store;
    private final MeterRegistry meters;

    public VerkehrEvents(PresenceStore store, MeterRegistry meters) {
        this.store = store;
        this.meters = meters;
    }

    @Override
    public void handle(String id, Map<Object, Object> event) {
        String type = text(event, "type");
        if (!"login".equals(type) && !"close".equals(type)) {
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
        PresenceStore.Outcome outcome = "login".equals(type)
                ? store.connected(did, connection, TRANSPORT, time, address)
                : store.disconnected(did, connection, time, address);
        count(type + (outcome == PresenceStore.Outcome.STALE ? "-stale" : ""));
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
