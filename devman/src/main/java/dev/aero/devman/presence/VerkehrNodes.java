package dev.aero.devman.presence;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.data.redis.core.script.RedisScript;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Which verkehr nodes are alive, learnt from verkehr's own events, and the devices of a node
 * that died taken offline.
 *
 * <p>Each verkehr node appends a {@code heartbeat} event every few seconds; devman keeps each
 * node's latest in its own hash {@value #HEARTBEATS}. When a node dies, a live node ends its
 * connections and appends a {@code node-lost} event with the node's last heartbeat, and devman
 * closes that node's SSMP connections at that time. A node that dies alone has nobody to say so:
 * its heartbeats stop. So every {@code verkehr-node-check} devman also takes offline the
 * connections of a node silent for {@code verkehr-node-timeout}, as of its last heartbeat; but
 * only while it has read the whole stream, or a backlog it has not read yet (after a restart)
 * would make live nodes look silent.
 *
 * <p>A node taken offline is remembered in {@value #DONE} (node → that heartbeat) so that this
 * happens once; the mark goes when the node heartbeats again (it was only stalled) or its
 * {@code node-lost} arrives. The close events verkehr writes for the same connections change
 * nothing. Nodes silent for longer than {@code forgetAfter} are forgotten.
 */
public final class VerkehrNodes {

    private static final Logger log = LoggerFactory.getLogger(VerkehrNodes.class);
    /** node → its latest heartbeat (ms), from verkehr's events. */
    static final String HEARTBEATS = "devman:verkehr-nodes";
    /** node → the heartbeat as of which its connections were taken offline. */
    static final String DONE = "devman:lost-nodes";

    /** KEYS: heartbeats, done; ARGV: node, time. Keeps the later heartbeat; a newer one clears a lost mark. */
    private static final RedisScript<Long> HEARTBEAT = new DefaultRedisScript<>("""
            local last = redis.call('HGET', KEYS[1], ARGV[1])
            if last and tonumber(last) >= tonumber(ARGV[2]) then return 0 end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            local done = redis.call('HGET', KEYS[2], ARGV[1])
            if done and tonumber(done) < tonumber(ARGV[2]) then redis.call('HDEL', KEYS[2], ARGV[1]) end
            return 1
            """, Long.class);

    private final StringRedisTemplate redis;
    private final PresenceStore store;
    private final Duration timeout;
    private final Duration forgetAfter;
    private final BooleanSupplier caughtUp;
    private final Clock clock;
    private final MeterRegistry meters;

    /**
     * @param timeout a node whose last heartbeat is older is lost
     * @param forgetAfter a node silent for longer is forgotten
     * @param caughtUp whether devman has read every event the stream holds
     */
    public VerkehrNodes(StringRedisTemplate redis, PresenceStore store, Duration timeout, Duration forgetAfter,
            BooleanSupplier caughtUp, Clock clock, MeterRegistry meters) {
        this.redis = redis;
        this.store = store;
        this.timeout = timeout;
        this.forgetAfter = forgetAfter;
        this.caughtUp = caughtUp;
        this.clock = clock;
        this.meters = meters;
    }

    /** A {@code heartbeat} event: {@code node} was alive at {@code time}. */
    public void heartbeat(String node, Instant time) {
        redis.execute(HEARTBEAT, List.of(HEARTBEATS, DONE), node, Long.toString(time.toEpochMilli()));
    }

    /** A {@code node-lost} event: another node found {@code node} dead; {@code lastHeartbeat} is when it was last alive. */
    public void lost(String node, Instant lastHeartbeat) {
        takeOffline(node, lastHeartbeat.toEpochMilli(), "reported by verkehr");
        redis.opsForHash().delete(HEARTBEATS, node);
        redis.opsForHash().delete(DONE, node);
    }

    /** One look for silent nodes (run every verkehr-node-check). */
    public void sweep() {
        if (!caughtUp.getAsBoolean()) {
            return;
        }
        long now = clock.millis();
        Map<String, String> heartbeats = redis.<String, String>opsForHash().entries(HEARTBEATS);
        for (Map.Entry<String, String> node : heartbeats.entrySet()) {
            long last = Long.parseLong(node.getValue());
            if (now - last > forgetAfter.toMillis()) {
                redis.opsForHash().delete(HEARTBEATS, node.getKey());
                redis.opsForHash().delete(DONE, node.getKey());
            } else if (now - last > timeout.toMillis()) {
                takeOffline(node.getKey(), last, "silent");
            }
        }
    }

    private void takeOffline(String node, long lastHeartbeat, String why) {
        String heartbeat = Long.toString(lastHeartbeat);
        if (heartbeat.equals(redis.<String, String>opsForHash().get(DONE, node))) {
            return;
        }
        int closed = store.closeConnections(node + "/", VerkehrEvents.TRANSPORT, Instant.ofEpochMilli(lastHeartbeat));
        redis.opsForHash().put(DONE, node, heartbeat);
        meters.counter("aero.devman.verkehr.nodes.lost").increment();
        meters.counter("aero.devman.events.applied", "source", "lost-node", "result", "close").increment(closed);
        log.warn("verkehr node {} is gone ({}; last heartbeat {}): took its {} connection(s) offline", node, why,
                Instant.ofEpochMilli(lastHeartbeat), closed);
    }
}
