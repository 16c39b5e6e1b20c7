package dev.aero.sp.sharing;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import dev.aero.common.id.UserID;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code GET /acl} answers as sent, per user and epoch. The answer for an epoch never changes:
 * any change to what it lists moves the epoch (the rule of ACL epochs), so an entry is right
 * for as long as the user's epoch stays where it was, on every SP node, and a newer epoch
 * simply misses. Every device of a user reads the same epoch after each change; all but the
 * first are served from here. Bounded by {@code aero.sp.acl-cache-bytes} (least recently used
 * go first; 0 turns it off).
 */
@Component
class AclCache {

    private record Entry(long epoch, byte[] json) { }

    private final long maxBytes;
    private final Map<UserID, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Counter hits;
    private final Counter misses;
    private long bytes;

    AclCache(@Value("${aero.sp.acl-cache-bytes:16777216}") long maxBytes, MeterRegistry meters) {
        this.maxBytes = maxBytes;
        this.hits = Counter.builder("aero.sp.acl.cache").tag("result", "hit").register(meters);
        this.misses = Counter.builder("aero.sp.acl.cache").tag("result", "miss").register(meters);
    }

    /** The answer cached for the user at exactly {@code epoch}, or null. */
    synchronized byte[] get(UserID user, long epoch) {
        Entry e = entries.get(user);
        if (e != null && e.epoch() == epoch) {
            hits.increment();
            return e.json();
        }
        misses.increment();
        return null;
    }

    /** Keeps the answer for the user at {@code epoch}, unless an answer for a later epoch is kept already. */
    synchronized void put(UserID user, long epoch, byte[] json) {
        if (json.length > maxBytes) {
            return;
        }
        Entry old = entries.get(user);
        if (old != null) {
            if (old.epoch() > epoch) {
                return;
            }
            bytes -= old.json().length;
        }
        entries.put(user, new Entry(epoch, json));
        bytes += json.length;
        for (Iterator<Entry> oldest = entries.values().iterator(); bytes > maxBytes && oldest.hasNext(); ) {
            bytes -= oldest.next().json().length;
            oldest.remove();
        }
    }
}
