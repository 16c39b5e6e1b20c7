package dev.aero.sp.sharing;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToIntFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Values kept per key and version, for parts of {@code GET /acl} that cannot change without their
 * version moving: a user's answer outline by its ACL epoch, a folder's member list by its
 * {@code acl_version}. An entry is right for as long as its version is current, on every SP
 * node; a newer version simply misses. Bounded in bytes (least recently used go first; 0 keeps
 * nothing).
 */
final class VersionedCache<K, V> {

    private record Entry<V>(long version, V value, int size) { }

    private final long maxBytes;
    private final ToIntFunction<V> size;
    private final Map<K, Entry<V>> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Counter hits;
    private final Counter misses;
    private long bytes;

    /** {@code size}: the bytes a value holds, as counted against {@code maxBytes}. */
    VersionedCache(String name, long maxBytes, ToIntFunction<V> size, MeterRegistry meters) {
        this.maxBytes = maxBytes;
        this.size = size;
        this.hits = Counter.builder("aero.sp.acl.cache").tag("part", name).tag("result", "hit").register(meters);
        this.misses = Counter.builder("aero.sp.acl.cache").tag("part", name).tag("result", "miss").register(meters);
    }

    /** What is kept for the key at exactly {@code version}, or null. */
    synchronized V get(K key, long version) {
        Entry<V> e = entries.get(key);
        if (e != null && e.version() == version) {
            hits.increment();
            return e.value();
        }
        misses.increment();
        return null;
    }

    /** Keeps {@code value} for the key at {@code version}, unless something for a later version is kept already. */
    synchronized void put(K key, long version, V value) {
        int bytesOfValue = size.applyAsInt(value);
        if (bytesOfValue > maxBytes) {
            return;
        }
        Entry<V> old = entries.get(key);
        if (old != null) {
            if (old.version() > version) {
                return;
            }
            bytes -= old.size();
        }
        entries.put(key, new Entry<>(version, value, bytesOfValue));
        bytes += bytesOfValue;
        for (Iterator<Entry<V>> oldest = entries.values().iterator(); bytes > maxBytes && oldest.hasNext(); ) {
            bytes -= oldest.next().size();
            oldest.remove();
        }
    }
}
