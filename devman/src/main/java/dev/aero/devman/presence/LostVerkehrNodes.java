package dev.aero.devman.presence;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Takes the devices of a verkehr node that has died offline, when no verkehr node does.
 *
 * <p>verkehr nodes heartbeat into the sorted set {@code <prefix>:nodes} (node → last heartbeat,
 * ms). When one stops, another live node removes it and writes a {@code node-lost} close event
 * for each of its connections. With a single node nobody is left to do that until a node starts
 * again, and meanwhile devman would show its devices online. So devman looks at that set itself:
 * a node whose last heartbeat is older than {@code timeout} (well above verkehr's own) has its
 * SSMP connections closed in the presence store, at its last heartbeat. The node is remembered in
 * {@code devman:lost-nodes} (node → that heartbeat) so that this is done once; the entry goes when
 * the node leaves the stale range (removed by verkehr, or heartbeating again). The close events
 * verkehr writes later for the same connections change nothing.
 *
 * <p>A node that was only stalled for longer than the timeout keeps its connections, but devman
 * shows those devices offline until their next event, as it would after verkehr's own reaping.
 */
public final class LostVerkehrNodes {

    private static final Logger log = LoggerFactory.getLogger(LostVerkehrNodes.class);
    static final String DONE = "devman:lost-nodes";

    private final StringRedisTemplate redis;
    private final PresenceStore store;
    private final String nodesKey;
    private final Duration timeout;
    private final Clock clock;
    private final MeterRegistry meters;

    /**
     * @param verkehrPrefix verkehr's {@code cluster.channel-prefix}
     * @param timeout a node whose last heartbeat is older is lost
     */
    public LostVerkehrNodes(StringRedisTemplate redis, PresenceStore store, String verkehrPrefix, Duration timeout, Clock clock,
            MeterRegistry meters) {
        this.redis = redis;
        this.store = store;
        this.nodesKey = verkehrPrefix + ":nodes";
        this.timeout = timeout;
        this.clock = clock;
        this.meters = meters;
    }

    /** One look at verkehr's heartbeats (run every verkehr-node-check); closes the connections of nodes newly found lost. */
    public void sweep() {
        long cutoff = clock.millis() - timeout.toMillis();
        Set<TypedTuple<String>> stale = redis.opsForZSet().rangeByScoreWithScores(nodesKey, Double.NEGATIVE_INFINITY, cutoff);
        Map<String, Long> lost = new HashMap<>();
        if (stale != null) {
            for (TypedTuple<String> t : stale) {
                if (t.getValue() != null && t.getScore() != null) {
                    lost.put(t.getValue(), t.getScore().longValue());
                }
            }
        }
        Map<String, String> done = redis.<String, String>opsForHash().entries(DONE);
        for (Map.Entry<String, Long> node : lost.entrySet()) {
            String heartbeat = Long.toString(node.getValue());
            if (heartbeat.equals(done.get(node.getKey()))) {
                continue;
            }
            int closed = store.closeConnections(node.getKey() + "/", VerkehrEvents.TRANSPORT, Instant.ofEpochMilli(node.getValue()));
            redis.opsForHash().put(DONE, node.getKey(), heartbeat);
            meters.counter("aero.devman.verkehr.nodes.lost").increment();
            meters.counter("aero.devman.events.applied", "source", "lost-node", "result", "close").increment(closed);
            log.warn("verkehr node {} has sent no heartbeat since {}: took its {} connection(s) offline", node.getKey(),
                    Instant.ofEpochMilli(node.getValue()), closed);
        }
        for (String node : done.keySet()) {
            if (!lost.containsKey(node)) {
                redis.opsForHash().delete(DONE, node);
            }
        }
    }
}
