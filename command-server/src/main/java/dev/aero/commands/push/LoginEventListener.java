package dev.aero.commands.push;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.aero.common.id.DID;
import dev.aero.common.id.InvalidIdentifierException;

/**
 * Follows verkehr's connection events ({@code verkehr:events}) in the consumer group
 * {@code command-server}: when a device logs in, its head command is pushed, so a command
 * enqueued while the device (or verkehr) was away reaches it as soon as it is back. Also runs
 * the retry sweep of {@link PushDelivery} once a second. An event is acknowledged after it is
 * handled; one this consumer read but did not acknowledge (a crash) is read again at start.
 */
public final class LoginEventListener implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LoginEventListener.class);
    static final String GROUP = "command-server";

    private final StringRedisTemplate redis;
    private final PushDelivery delivery;
    private final String stream;
    private final String consumer;
    private volatile boolean running;
    private Thread thread;

    public LoginEventListener(StringRedisTemplate redis, PushDelivery delivery, String stream, String consumer) {
        this.redis = redis;
        this.delivery = delivery;
        this.stream = stream;
        this.consumer = consumer;
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofPlatform().daemon().name("verkehr-events").start(this::run);
    }

    private void run() {
        boolean backlog = true;
        boolean grouped = false;
        long nextSweep = 0;
        while (running) {
            try {
                if (!grouped) {
                    ensureGroup();
                    grouped = true;
                }
                // First what this consumer read before and did not acknowledge, then new events.
                ReadOffset offset = backlog ? ReadOffset.from("0") : ReadOffset.lastConsumed();
                List<MapRecord<String, Object, Object>> records = redis.opsForStream().read(Consumer.from(GROUP, consumer),
                        StreamReadOptions.empty().count(100).block(Duration.ofSeconds(1)), StreamOffset.create(stream, offset));
                if (backlog && (records == null || records.isEmpty())) {
                    backlog = false;
                }
                if (records != null) {
                    for (MapRecord<String, Object, Object> r : records) {
                        handle(r.getValue());
                        redis.opsForStream().acknowledge(stream, GROUP, r.getId());
                    }
                }
                if (System.currentTimeMillis() >= nextSweep) {
                    delivery.sweep(100);
                    nextSweep = System.currentTimeMillis() + 1000;
                }
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("reading {} failed, retrying: {}", stream, e.toString());
                // The stream or the group may have gone (a Redis flush): make sure of them again.
                grouped = false;
                sleep(1000);
            }
        }
    }

    private void handle(Map<Object, Object> event) {
        if (!"login".equals(event.get("type"))) {
            return;
        }
        DID did = deviceOf(event);
        if (did != null) {
            delivery.pushHead(did);
        }
    }

    /** The device of a login: the certificate's device id, or an id of the form {@code <did>[/...]}. */
    static DID deviceOf(Map<Object, Object> event) {
        Object did = event.get("did");
        Object id = event.get("id");
        String candidate = did != null ? did.toString() : id == null ? null : id.toString();
        if (candidate == null) {
            return null;
        }
        int slash = candidate.indexOf('/');
        try {
            return DID.of(slash > 0 ? candidate.substring(0, slash) : candidate);
        } catch (InvalidIdentifierException e) {
            return null;
        }
    }

    private void ensureGroup() {
        try {
            if (!Boolean.TRUE.equals(redis.hasKey(stream))) {
                redis.opsForStream().createGroup(stream, ReadOffset.from("0"), GROUP);
            } else if (redis.opsForStream().groups(stream).stream().noneMatch(g -> GROUP.equals(g.groupName()))) {
                redis.opsForStream().createGroup(stream, ReadOffset.latest(), GROUP);
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
        if (thread != null) {
            thread.interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
