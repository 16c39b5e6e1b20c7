package dev.aero.sp.sharing;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * JSON kept per key and version, for parts of {@code GET /acl} that cannot change without their
 * version moving: a user's whole answer by its ACL epoch, a folder's member list by its
 * {@code acl_version}. An entry is right for as long as its version is current, on every SP
 * node; a newer version simply misses. Bounded in bytes (least recently used go first; 0 keeps
 * nothing).
 */
final class VersionedCache<K> {

    private record Entry(long version, byte[] json) { }

    private final long maxBytes;
    private final Map<K, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Counter hits;
    private final Counter misses;
    private long bytes;

    VersionedCache(String name, long maxBytes, MeterRegistry meters) {
        this.maxBytes = maxBytes;
        this.hits = Counter.builder("aero.sp.acl.cache").tag("part", name).tag("result", "hit").register(meters);
        this.misses = Counter.builder("aero.sp.acl.cache").tag("part", name).tag("result", "miss").register(meters);
    }

    /** What is kept for the key at exactly {@code version}, or null. */
    synchronized byte[] get(K key, long version) {
        Entry e = entries.get(key);
        if (e != null && e.version() == version) {
            hits.increment();
            return e.json();
        }
        misses.increment();
        return null;
    }

    /** Keeps {@code json} for the key at {@code version}, unless something for a later version is kept already. */
    synchronized void put(K key, long version, byte[] json) {
        if (json.length > maxBytes) {
            return;
        }
        Entry old = entries.get(key);
        if (old != null) {
            if (old.version() > version) {
                return;
            }
            bytes -= old.json().length;
        }
        entries.put(key, new Entry(version, json));
        bytes += json.length;
        for (Iterator<Entry> oldest = entries.values().iterator(); bytes > maxBytes && oldest.hasNext(); ) {
            bytes -= oldest.next().json().length;
            oldest.remove();
        }
    }
}
