package dev.aero.common.redis;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Reads a Redis stream in a consumer group on a thread of its own, handing each entry to a
 * handler and acknowledging it only once the handler returned. What this consumer read before
 * and did not acknowledge (a crash, a Redis error, a handler that threw) is read again first, so
 * no entry is lost; handlers must therefore be idempotent. An entry whose handler fails for a
 * reason other than Redis is logged and skipped, so one bad entry cannot stop the stream. The consumer name should be stable
 * across restarts ({@link #hostConsumerName()}). An optional tick runs about once a second.
 */
public final class StreamGroupReader implements SmartLifecycle {

    /** Applies one entry; throwing leaves it unacknowledged, to be read again. */
    @FunctionalInterface
    public interface Handler {
        void handle(String id, Map<Object, Object> fields);
    }

    private static final Logger log = LoggerFactory.getLogger(StreamGroupReader.class);

    private final StringRedisTemplate redis;
    private final String stream;
    private final String group;
    private final String consumer;
    private final Handler handler;
    private final Runnable tick;
    private final int batch;
    private final boolean fromStart;
    private volatile boolean running;
    private Thread thread;

    /**
     * @param fromStart whether a group created on an existing stream reads it from its first
     *        entry (else from the next new one)
     * @param tick run about once a second, or null
     */
    public StreamGroupReader(StringRedisTemplate redis, String stream, String group, String consumer, int batch, boolean fromStart,
            Handler handler, Runnable tick) {
        this.fromStart = fromStart;
        this.redis = redis;
        this.stream = stream;
        this.group = group;
        this.consumer = consumer;
        this.batch = batch;
        this.handler = handler;
        this.tick = tick;
    }

    /** The machine's host name: stable across restarts of a service on the same host or container. */
    public static String hostConsumerName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofPlatform().daemon().name(group + "-" + stream).start(this::run);
    }

    private void run() {
        boolean backlog = true;
        boolean grouped = false;
        long nextTick = 0;
        while (running) {
            try {
                if (!grouped) {
                    ensureGroup();
                    grouped = true;
                }
                // First what this consumer read before and did not acknowledge, then new entries.
                ReadOffset offset = backlog ? ReadOffset.from("0") : ReadOffset.lastConsumed();
                List<MapRecord<String, Object, Object>> records = redis.opsForStream().read(Consumer.from(group, consumer),
                        StreamReadOptions.empty().count(batch).block(Duration.ofSeconds(1)), StreamOffset.create(stream, offset));
                if (backlog && (records == null || records.isEmpty())) {
                    backlog = false;
                }
                if (records != null) {
                    for (MapRecord<String, Object, Object> r : records) {
                        handle(r);
                        redis.opsForStream().acknowledge(stream, group, r.getId());
                    }
                }
                if (tick != null && System.currentTimeMillis() >= nextTick) {
                    tick.run();
                    nextTick = System.currentTimeMillis() + 1000;
                }
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("reading {} as {}/{} failed, retrying: {}", stream, group, consumer, e.toString());
                // The stream or the group may have gone (a Redis flush), and what was read but not
                // acknowledged is read again from the start of this consumer's backlog.
                grouped = false;
                backlog = true;
                sleep(1000);
            }
        }
    }

    /**
     * A Redis failure propagates (the entry stays unacknowledged and is read again). Any other
     * failure is the entry's own: it would fail the same way every time, so it is logged and
     * skipped rather than holding up the entries behind it forever.
     */
    private void handle(MapRecord<String, Object, Object> r) {
        try {
            handler.handle(r.getId().getValue(), r.getValue());
        } catch (DataAccessException e) {
            throw e;
        } catch (RuntimeException e) {
            log.error("skipping entry {} of {} that {}/{} cannot handle: {}", r.getId(), stream, group, consumer, e.toString(), e);
        }
    }

    private void ensureGroup() {
        try {
            if (!Boolean.TRUE.equals(redis.hasKey(stream))) {
                redis.opsForStream().createGroup(stream, ReadOffset.from("0"), group);
            } else if (redis.opsForStream().groups(stream).stream().noneMatch(g -> group.equals(g.groupName()))) {
                redis.opsForStream().createGroup(stream, fromStart ? ReadOffset.from("0") : ReadOffset.latest(), group);
            }
        } catch (RedisSystemException e) {
            // BUSYGROUP: another instance created it first.
        }
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
