package dev.aero.verkehr.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import dev.aero.common.ssmp.ConnectionEvents;
import dev.aero.verkehr.VerkehrProperties;

/**
 * Everything verkehr keeps in Redis, and the pub/sub bus between nodes.
 *
 * <p>Keys ({@code P} = {@code aero.verkehr.cluster.channel-prefix}):
 * <ul>
 * <li>{@code P:nodes} zset node → last heartbeat (ms); a node is live within the node timeout;</li>
 * <li>{@code P:conns} hash id → {@code key|address|since|scheme}, where key = {@code node/serial}
 *     names one connection; a LOGIN takes the id over and learns the previous holder;</li>
 * <li>{@code P:topic:<topic>} hash id → key of every subscriber, on every node;</li>
 * <li>{@code P:ctopics:<key>} set of the topics one connection holds (for cleanup);</li>
 * <li>{@code P:hist:<topic>} zset of the last N messages, scored by {@code P:histseq:<topic>};</li>
 * <li>the events stream ({@code verkehr:events}): login and close events for devman.</li>
 * </ul>
 * Channels: {@code P:bus} reaches every node, {@code P:node:<node>} one node. Scripts compute
 * some key names, so Redis must be a single shard (standalone or Sentinel).
 */
public final class Cluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Cluster.class);

    private static final RedisScript CLAIM = new RedisScript("""
            -- KEYS[1] conns; ARGV id, value. Returns the previous holder's value, or nil.
            local prev = redis.call('HGET', KEYS[1], ARGV[1])
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            return prev
            """, ScriptOutputType.VALUE);
    private static final RedisScript RELEASE = new RedisScript("""
            -- KEYS[1] conns, KEYS[2] ctopics of the connection; ARGV id, key, topic key prefix.
            -- Removes what this connection (and not a newer one with the same id) holds.
            local v = redis.call('HGET', KEYS[1], ARGV[1])
            if v and string.sub(v, 1, #ARGV[2] + 1) == ARGV[2] .. '|' then
              redis.call('HDEL', KEYS[1], ARGV[1])
            end
            for _, t in ipairs(redis.call('SMEMBERS', KEYS[2])) do
              local k = ARGV[3] .. t
              if redis.call('HGET', k, ARGV[1]) == ARGV[2] then redis.call('HDEL', k, ARGV[1]) end
            end
            redis.call('DEL', KEYS[2])
            return 1
            """, ScriptOutputType.INTEGER);
    private static final RedisScript SUBSCRIBE = new RedisScript("""
            -- KEYS[1] topic hash, KEYS[2] ctopics; ARGV id, key, topic, snapshot (1/0).
            -- Returns the topic's subscribers (id, key, ...) when asked, after adding this one.
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            redis.call('SADD', KEYS[2], ARGV[3])
            if ARGV[4] == '1' then return redis.call('HGETALL', KEYS[1]) end
            return {}
            """, ScriptOutputType.MULTI);
    private static final RedisScript UNSUBSCRIBE = new RedisScript("""
            -- KEYS[1] topic hash, KEYS[2] ctopics; ARGV id, key, topic.
            if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
            redis.call('SREM', KEYS[2], ARGV[3])
            return 1
            """, ScriptOutputType.INTEGER);
    private static final RedisScript SNAPSHOT = new RedisScript("""
            -- KEYS[1] topic hash. Returns id, key, ...
            return redis.call('HGETALL', KEYS[1])
            """, ScriptOutputType.MULTI);
    private static final RedisScript HISTORY = new RedisScript("""
            -- KEYS[1] sequence counter, KEYS[2] history zset; ARGV size, ttl (s), entry head, payload.
            -- Appends seq|head|payload scored by the next sequence number; keeps the last size.
            local seq = redis.call('INCR', KEYS[1])
            redis.call('ZADD', KEYS[2], seq, seq .. '|' .. ARGV[3] .. '|' .. ARGV[4])
            redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[1]) + 1))
            redis.call('EXPIRE', KEYS[1], ARGV[2])
            redis.call('EXPIRE', KEYS[2], ARGV[2])
            return seq
            """, ScriptOutputType.INTEGER);

    private final VerkehrProperties settings;
    private final String nodeId;
    private final String prefix;
    private final RedisClient client;
    private final RedisURI uri;
    private final Map<String, Long> liveOthers = new ConcurrentHashMap<>();
    private StatefulRedisConnection<byte[], byte[]> connection;
    private StatefulRedisPubSubConnection<byte[], byte[]> pubsub;
    private RedisAsyncCommands<byte[], byte[]> redis;
    private ScheduledExecutorService heartbeats;
    /** When this node last appended a heartbeat event (ms); written by the heartbeat thread only. */
    private long lastHeartbeatEvent;
    private Consumer<BusMessage> onMessage;
    private Consumer<String> onNodeGone;
    private boolean closed;

    public Cluster(VerkehrProperties settings, String nodeId, RedisClient client, RedisURI uri) {
        this.settings = settings;
        this.nodeId = nodeId;
        this.prefix = settings.cluster().channelPrefix();
        this.client = client;
        this.uri = uri;
    }

    public String nodeId() {
        return nodeId;
    }

    /** Connects, joins the bus, and announces this node. Messages and node losses go to the callbacks. */
    public void start(Consumer<BusMessage> onMessage, Consumer<String> onNodeGone) {
        this.onMessage = onMessage;
        this.onNodeGone = onNodeGone;
        connection = client.connect(ByteArrayCodec.INSTANCE, uri);
        redis = connection.async();
        pubsub = client.connectPubSub(ByteArrayCodec.INSTANCE, uri);
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] channel, byte[] message) {
                received(message);
            }
        });
        pubsub.sync().subscribe(bytes(busChannel()), bytes(nodeChannel(nodeId)));
        heartbeat();
        publish(busChannel(), new BusMessage.Hello(nodeId));
        heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "verkehr-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long period = settings.cluster().heartbeat().toMillis();
        heartbeats.scheduleWithFixedDelay(this::heartbeatSafely, period, period, TimeUnit.MILLISECONDS);
    }

    private void received(byte[] raw) {
        BusMessage m = BusMessage.decode(raw);
        if (m == null || m.origin().equals(nodeId)) {
            return;
        }
        switch (m) {
            case BusMessage.Hello h -> liveOthers.put(h.origin(), System.currentTimeMillis());
            case BusMessage.Bye b -> {
                if (liveOthers.remove(b.origin()) != null) {
                    onNodeGone.accept(b.origin());
                }
            }
            default -> {
                liveOthers.putIfAbsent(m.origin(), System.currentTimeMillis());
                onMessage.accept(m);
            }
        }
    }

    /** Whether no other node is live: then messages need not cross Redis. */
    public boolean alone() {
        return liveOthers.isEmpty();
    }

    public boolean isLive(String node) {
        return node.equals(nodeId) || liveOthers.containsKey(node);
    }

    public Set<String> liveNodes() {
        Set<String> nodes = new HashSet<>(liveOthers.keySet());
        nodes.add(nodeId);
        return nodes;
    }

    private void heartbeatSafely() {
        try {
            heartbeat();
        } catch (RuntimeException e) {
            log.warn("cluster heartbeat failed: {}", e.toString());
        }
    }

    private void heartbeat() {
        var sync = connection.sync();
        long now = System.currentTimeMillis();
        long timeout = settings.cluster().nodeTimeout().toMillis();
        sync.zadd(key("nodes"), now, bytes(nodeId));
        Set<String> live = new HashSet<>();
        for (ScoredValue<byte[]> v : sync.zrangebyscoreWithScores(key("nodes"), Range.create(now - timeout, Double.POSITIVE_INFINITY))) {
            String node = string(v.getValue());
            if (!node.equals(nodeId)) {
                live.add(node);
                liveOthers.put(node, (long) v.getScore());
            }
        }
        for (String node : List.copyOf(liveOthers.keySet())) {
            if (!live.contains(node) && now - liveOthers.getOrDefault(node, now) > timeout) {
                liveOthers.remove(node);
                onNodeGone.accept(node);
            }
        }
        for (ScoredValue<byte[]> dead : sync.zrangebyscoreWithScores(key("nodes"),
                Range.create(Double.NEGATIVE_INFINITY, now - timeout))) {
            // Whichever node removes the entry closes the lost node's connections for the rest.
            if (sync.zrem(key("nodes"), dead.getValue()) == 1) {
                reap(string(dead.getValue()), (long) dead.getScore());
            }
        }
        if (now - lastHeartbeatEvent >= settings.events().heartbeat().toMillis()) {
            lastHeartbeatEvent = now;
            appendNodeEvent(ConnectionEvents.HEARTBEAT, nodeId, now);
        }
    }

    /**
     * Ends in Redis every connection a lost node held, with a close event for each, then tells
     * the stream's readers that the node is gone, as of its last heartbeat.
     */
    private void reap(String node, long lastHeartbeat) {
        var sync = connection.sync();
        Map<byte[], byte[]> all = sync.hgetall(key("conns"));
        int n = 0;
        for (Map.Entry<byte[], byte[]> e : all.entrySet()) {
            ConnectionRecord record = ConnectionRecord.parse(string(e.getKey()), string(e.getValue()));
            if (record != null && record.node().equals(node)) {
                RELEASE.run(redis, new byte[][] {key("conns"), key("ctopics:" + record.key())},
                        e.getKey(), bytes(record.key()), key("topic:")).join();
                appendEvent(ConnectionEvents.CLOSE, record.id(), record.address(), node, record.key(), record.scheme(), ConnectionEvents.NODE_LOST, null);
                n++;
            }
        }
        appendNodeEvent(ConnectionEvents.NODE_LOST, node, lastHeartbeat);
        log.info("node {} is gone: closed its {} connection(s) for the cluster", node, n);
    }

    /** {@code heartbeat} (this node, now) or {@code node-lost} (a node, its last heartbeat) on the events stream. */
    private void appendNodeEvent(String type, String node, long time) {
        Map<byte[], byte[]> fields = new java.util.LinkedHashMap<>();
        fields.put(bytes("type"), bytes(type));
        fields.put(bytes("node"), bytes(node));
        fields.put(bytes("time"), bytes(Long.toString(time)));
        redis.xadd(bytes(settings.events().stream()),
                XAddArgs.Builder.maxlen(settings.events().maxLength()).approximateTrimming(), fields)
                .exceptionally(Cluster::logged);
    }

    // ---- connections ----

    /** Records that {@code id} is now held by this connection; completes with the previous holder, if any. */
    public CompletableFuture<ConnectionRecord> claim(ConnectionRecord record) {
        return CLAIM.<byte[]>run(redis, new byte[][] {key("conns")}, bytes(record.id()), bytes(record.value()))
                .thenApply(prev -> prev == null ? null : ConnectionRecord.parse(record.id(), string(prev)));
    }

    public void release(String id, String connectionKey) {
        RELEASE.run(redis, new byte[][] {key("conns"), key("ctopics:" + connectionKey)},
                bytes(id), bytes(connectionKey), key("topic:")).exceptionally(Cluster::logged);
    }

    /** The connection holding {@code id} on a live node, or null. */
    public CompletableFuture<ConnectionRecord> locate(String id) {
        return redis.hget(key("conns"), bytes(id)).toCompletableFuture()
                .thenApply(v -> {
                    ConnectionRecord r = v == null ? null : ConnectionRecord.parse(id, string(v));
                    return r != null && isLive(r.node()) ? r : null;
                });
    }

    /** Every connection on live nodes (for the HTTP API). */
    public CompletableFuture<List<ConnectionRecord>> connections() {
        return redis.hgetall(key("conns")).toCompletableFuture().thenApply(all -> {
            List<ConnectionRecord> out = new ArrayList<>(all.size());
            all.forEach((k, v) -> {
                ConnectionRecord r = ConnectionRecord.parse(string(k), string(v));
                if (r != null && isLive(r.node())) {
                    out.add(r);
                }
            });
            return out;
        });
    }

    public CompletableFuture<Set<String>> topicsOf(String connectionKey) {
        return redis.smembers(key("ctopics:" + connectionKey)).toCompletableFuture().thenApply(set -> {
            Set<String> out = new HashSet<>();
            set.forEach(b -> out.add(string(b)));
            return out;
        });
    }

    // ---- topics ----

    /** Adds a subscriber; with {@code snapshot}, completes with every subscriber (id → key) on live nodes. */
    public CompletableFuture<Map<String, String>> subscribe(String topic, String id, String connectionKey, boolean snapshot) {
        return SUBSCRIBE.<List<Object>>run(redis, new byte[][] {key("topic:" + topic), key("ctopics:" + connectionKey)},
                bytes(id), bytes(connectionKey), bytes(topic), bytes(snapshot ? "1" : "0")).thenApply(this::liveMembers);
    }

    public void unsubscribe(String topic, String id, String connectionKey) {
        UNSUBSCRIBE.run(redis, new byte[][] {key("topic:" + topic), key("ctopics:" + connectionKey)},
                bytes(id), bytes(connectionKey), bytes(topic)).exceptionally(Cluster::logged);
    }

    /** Every subscriber of a topic on live nodes (id → key). */
    public CompletableFuture<Map<String, String>> members(String topic) {
        return SNAPSHOT.<List<Object>>run(redis, new byte[][] {key("topic:" + topic)}).thenApply(this::liveMembers);
    }

    private Map<String, String> liveMembers(List<Object> flat) {
        Map<String, String> members = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String id = string((byte[]) flat.get(i));
            String connectionKey = string((byte[]) flat.get(i + 1));
            int slash = connectionKey.indexOf('/');
            if (slash > 0 && isLive(connectionKey.substring(0, slash))) {
                members.put(id, connectionKey);
            }
        }
        return members;
    }

    // ---- bus ----

    public void broadcast(BusMessage m) {
        publish(busChannel(), m);
    }

    public void sendTo(String node, BusMessage m) {
        publish(nodeChannel(node), m);
    }

    private void publish(String channel, BusMessage m) {
        redis.publish(bytes(channel), BusMessage.encode(m)).exceptionally(Cluster::logged);
    }

    // ---- events and history ----

    public void appendEvent(String type, String id, String address, String node, String connectionKey, String scheme,
            String cause, Map<String, String> extra) {
        Map<byte[], byte[]> fields = new java.util.LinkedHashMap<>();
        fields.put(bytes("type"), bytes(type));
        fields.put(bytes("id"), bytes(id));
        fields.put(bytes("address"), bytes(address));
        fields.put(bytes("node"), bytes(node));
        fields.put(bytes("conn"), bytes(connectionKey));
        fields.put(bytes("time"), bytes(Long.toString(System.currentTimeMillis())));
        fields.put(bytes("scheme"), bytes(scheme));
        if (cause != null) {
            fields.put(bytes("cause"), bytes(cause));
        }
        if (extra != null) {
            extra.forEach((k, v) -> fields.put(bytes(k), bytes(v)));
        }
        redis.xadd(bytes(settings.events().stream()),
                XAddArgs.Builder.maxlen(settings.events().maxLength()).approximateTrimming(), fields)
                .exceptionally(Cluster::logged);
    }

    /** Appends to a topic's history; completes with the message's sequence number. */
    public CompletableFuture<Long> appendHistory(String topic, String from, byte[] rawPayload) {
        String head = System.currentTimeMillis() + "|" + from;
        return HISTORY.run(redis, new byte[][] {key("histseq:" + topic), key("hist:" + topic)},
                bytes(Integer.toString(settings.history().size())),
                bytes(Long.toString(Math.max(1, settings.history().ttl().toSeconds()))), bytes(head), rawPayload);
    }

    /** History entries with a sequence number above {@code after}, oldest first, and the topic's latest number. */
    public CompletableFuture<HistoryPage> history(String topic, long after) {
        var seq = redis.get(key("histseq:" + topic)).toCompletableFuture();
        var entries = redis.zrangebyscore(key("hist:" + topic), Range.create((double) after + 1, Double.POSITIVE_INFINITY))
                .toCompletableFuture();
        return seq.thenCombine(entries, (latest, list) -> {
            List<HistoryEntry> out = new ArrayList<>(list.size());
            for (byte[] raw : list) {
                HistoryEntry e = HistoryEntry.parse(raw);
                if (e != null) {
                    out.add(e);
                }
            }
            return new HistoryPage(latest == null ? 0 : Long.parseLong(string(latest)), out);
        });
    }

    public record HistoryPage(long latest, List<HistoryEntry> entries) { }

    public record HistoryEntry(long seq, long time, String from, byte[] payload) {
        static HistoryEntry parse(byte[] raw) {
            int a = indexOf(raw, 0);
            int b = a < 0 ? -1 : indexOf(raw, a + 1);
            int c = b < 0 ? -1 : indexOf(raw, b + 1);
            if (c < 0) {
                return null;
            }
            try {
                long seq = Long.parseLong(new String(raw, 0, a, StandardCharsets.US_ASCII));
                long time = Long.parseLong(new String(raw, a + 1, b - a - 1, StandardCharsets.US_ASCII));
                String from = new String(raw, b + 1, c - b - 1, StandardCharsets.US_ASCII);
                byte[] payload = java.util.Arrays.copyOfRange(raw, c + 1, raw.length);
                return new HistoryEntry(seq, time, from, payload);
            } catch (NumberFormatException e) {
                return null;
            }
        }

        private static int indexOf(byte[] raw, int from) {
            for (int i = from; i < raw.length; i++) {
                if (raw[i] == '|') {
                    return i;
                }
            }
            return -1;
        }
    }

    // ---- names ----

    private String busChannel() {
        return prefix + ":bus";
    }

    private String nodeChannel(String node) {
        return prefix + ":node:" + node;
    }

    private byte[] key(String suffix) {
        return bytes(prefix + ":" + suffix);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static <T> T logged(Throwable failure) {
        log.debug("redis operation failed: {}", failure.toString());
        return null;
    }

    /** Leaves the cluster; idempotent (the server stops it, and the context closes it as a bean). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (heartbeats != null) {
            heartbeats.shutdownNow();
        }
        try {
            if (connection != null && connection.isOpen()) {
                publish(busChannel(), new BusMessage.Bye(nodeId));
                connection.sync().zrem(key("nodes"), bytes(nodeId));
            }
        } catch (RuntimeException e) {
            log.debug("leaving the cluster: {}", e.toString());
        }
        if (pubsub != null) {
            pubsub.close();
        }
        if (connection != null) {
            connection.close();
        }
    }
}
