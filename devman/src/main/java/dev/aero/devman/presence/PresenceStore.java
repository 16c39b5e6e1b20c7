package dev.aero.devman.presence;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.data.redis.core.script.RedisScript;

import dev.aero.common.id.DID;

/**
 * Device presence in Redis: {@code dev/<did>} the last-seen time (ms), {@code dip/<did>} the last
 * address, {@code don/<did>} the device's open connections with their transport,
 * {@code doff/<did>} recently closed connections, and the set {@code online} of devices with at
 * least one open connection. Every change is one Lua script (devman/apply.lua), so concurrent
 * writers and replayed or reordered events converge on the same state.
 */
public final class PresenceStore {

    public static final String ONLINE = "online";

    /** The outcome of applying one observation. */
    public enum Outcome { APPLIED, STALE }

    private final StringRedisTemplate redis;
    private final Clock clock;
    private final Duration tombstoneRetention;
    private final int tombstoneCap;
    private final RedisScript<String> apply;

    /** Closed connections are remembered for {@code tombstoneRetention}, {@code tombstoneCap} per device at most. */
    public PresenceStore(StringRedisTemplate redis, Clock clock, Duration tombstoneRetention, int tombstoneCap) {
        this.redis = redis;
        this.clock = clock;
        this.tombstoneRetention = tombstoneRetention;
        this.tombstoneCap = tombstoneCap;
        DefaultRedisScript<String> script = new DefaultRedisScript<>();
        script.setLocation(new ClassPathResource("devman/apply.lua"));
        script.setResultType(String.class);
        this.apply = script;
    }

    /** A connection through {@code transport} opened at {@code time}. */
    public Outcome connected(DID did, String connection, String transport, Instant time, String address) {
        return run(did, "login", time, address, connection, transport);
    }

    /** That connection closed at {@code time}. */
    public Outcome disconnected(DID did, String connection, Instant time, String address) {
        return run(did, "close", time, address, connection, "");
    }

    /** The device was seen at {@code time} (a check-in). */
    public Outcome seen(DID did, Instant time, String address) {
        return run(did, "seen", time, address, "", "");
    }

    private Outcome run(DID did, String kind, Instant time, String address, String connection, String transport) {
        String d = did.hex();
        String result = redis.execute(apply, List.of("dev/" + d, "dip/" + d, "don/" + d, "doff/" + d, ONLINE), d, kind,
                Long.toString(time.toEpochMilli()), address == null ? "" : address, connection, transport,
                Long.toString(tombstoneRetention.toMillis()), Integer.toString(tombstoneCap));
        return "stale".equals(result) ? Outcome.STALE : Outcome.APPLIED;
    }

    public DeviceStatus status(DID did) {
        return statuses(List.of(did)).getFirst();
    }

    /** The status of each device, in order, in one round trip. */
    public List<DeviceStatus> statuses(List<DID> devices) {
        List<Object> replies = redis.executePipelined((RedisCallback<Object>) connection -> {
            for (DID did : devices) {
                connection.stringCommands().get(key("dev/", did));
                connection.stringCommands().get(key("dip/", did));
                connection.hashCommands().hVals(key("don/", did));
            }
            return null;
        });
        Instant now = clock.instant();
        List<DeviceStatus> out = new ArrayList<>(devices.size());
        for (int i = 0; i < devices.size(); i++) {
            Object seen = replies.get(3 * i);
            Object address = replies.get(3 * i + 1);
            TreeSet<String> via = new TreeSet<>();
            if (replies.get(3 * i + 2) instanceof List<?> open) {
                for (Object o : open) {
                    String v = o.toString();
                    int bar = v.indexOf('|');
                    via.add(bar < 0 ? v : v.substring(0, bar));
                }
            }
            Instant lastSeen = seen == null ? null : Instant.ofEpochMilli(Long.parseLong(seen.toString()));
            if (!via.isEmpty()) {
                // Holding a connection right now is being seen now.
                lastSeen = now;
            }
            out.add(new DeviceStatus(lastSeen, address == null ? null : address.toString(), List.copyOf(via)));
        }
        return out;
    }

    private static byte[] key(String prefix, DID did) {
        return (prefix + did.hex()).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Closes, at {@code time}, every open connection through {@code transport} whose key starts
     * with {@code keyPrefix}, of every online device (a lost verkehr node's connections: keys
     * {@code <node>/<serial>}). Each close is one run of the same script as an event's, so an
     * event for the same connection read later changes nothing. Returns how many it closed.
     */
    public int closeConnections(String keyPrefix, String transport, Instant time) {
        int closed = 0;
        List<String> online = new ArrayList<>();
        try (Cursor<String> cursor = redis.opsForSet().scan(ONLINE, ScanOptions.scanOptions().count(1000).build())) {
            cursor.forEachRemaining(online::add);
        }
        for (String hex : online) {
            DID did;
            try {
                did = DID.of(hex);
            } catch (IllegalArgumentException e) {
                continue;
            }
            for (var entry : redis.<String, String>opsForHash().entries("don/" + hex).entrySet()) {
                if (entry.getKey().startsWith(keyPrefix) && entry.getValue().startsWith(transport + "|")) {
                    disconnected(did, entry.getKey(), time, null);
                    closed++;
                }
            }
        }
        return closed;
    }

    /** How many devices are online. */
    public long onlineCount() {
        Long n = redis.opsForSet().size(ONLINE);
        return n == null ? 0 : n;
    }
}
