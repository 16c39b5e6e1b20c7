package dev.aero.xmpp.devman;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.aero.common.concurrent.Backoff;
import dev.aero.common.http.ServiceHttpClient;
import dev.aero.common.id.DID;
import dev.aero.xmpp.relay.PresenceSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reports devices' room presence to devman ({@code POST /v1/presence}, transport {@code xmpp},
 * the session a device's full JID), in batches of up to 100 events every 200 ms, in order.
 * While devman cannot be reached the events wait (at most 10,000; beyond, the oldest are
 * dropped and counted) and are sent again with a growing delay.
 */
public class DevmanPresence implements PresenceSink, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DevmanPresence.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int BATCH = 100;
    private static final int MAX_WAITING = 10_000;

    private final ServiceHttpClient devman;
    private final URI presenceUrl;
    private final Clock clock;
    private final boolean enabled;
    private final Deque<Map<String, Object>> waiting = new ArrayDeque<>();
    private final Backoff backoff = Backoff.exponential(Duration.ofMillis(200), Duration.ofSeconds(10));
    private final Counter sent;
    private final Counter dropped;
    private ScheduledExecutorService executor;
    private volatile boolean running;

    public DevmanPresence(URI devmanUrl, String deploymentSecret, boolean enabled, Clock clock, MeterRegistry meters) {
        this.devman = new ServiceHttpClient(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(), "xmpp-bridge",
                deploymentSecret);
        this.presenceUrl = devmanUrl.resolve("/v1/presence");
        this.clock = clock;
        this.enabled = enabled;
        this.sent = Counter.builder("aero.xmpp.presence.reported").description("presence events devman took").register(meters);
        this.dropped = Counter.builder("aero.xmpp.presence.dropped").description("presence events dropped while devman was away")
                .register(meters);
    }

    @Override
    public void online(DID device, String session) {
        add(device, "online", session);
    }

    @Override
    public void offline(DID device, String session) {
        add(device, "offline", session);
    }

    private void add(DID device, String state, String session) {
        if (!enabled) {
            return;
        }
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("did", device.hex());
        event.put("state", state);
        event.put("session", session);
        event.put("transport", "xmpp");
        event.put("time", clock.instant().toString());
        synchronized (waiting) {
            if (waiting.size() >= MAX_WAITING) {
                waiting.removeFirst();
                dropped.increment();
            }
            waiting.addLast(event);
        }
    }

    /** Sends what waits, a batch at a time; returns the delay before the next round. */
    private long flush() {
        while (true) {
            List<Map<String, Object>> batch = new ArrayList<>();
            synchronized (waiting) {
                for (Map<String, Object> e : waiting) {
                    if (batch.size() == BATCH) {
                        break;
                    }
                    batch.add(e);
                }
            }
            if (batch.isEmpty()) {
                return 200;
            }
            try {
                HttpResponse<String> r = devman.send("POST", presenceUrl, JSON.writeValueAsString(Map.of("events", batch)), Duration.ofSeconds(5));
                if (r.statusCode() / 100 == 4) {
                    // A batch devman refuses would be refused forever: it goes, and says why.
                    log.warn("devman refused {} presence event(s): HTTP {} {}", batch.size(), r.statusCode(), r.body());
                    dropped.increment(batch.size());
                } else if (r.statusCode() != 200) {
                    throw new java.io.IOException("HTTP " + r.statusCode());
                } else {
                    sent.increment(batch.size());
                }
                synchronized (waiting) {
                    for (int i = 0; i < batch.size(); i++) {
                        waiting.pollFirst();
                    }
                }
                backoff.reset();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 200;
            } catch (Exception e) {
                long wait = backoff.next().toMillis();
                log.warn("presence not reported to devman ({}); trying again in {} ms", e.toString(), wait);
                return wait;
            }
        }
    }

    private void round() {
        if (!running) {
            return;
        }
        long next = flush();
        if (running) {
            executor.schedule(this::round, next, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public synchronized void start() {
        if (running || !enabled) {
            return;
        }
        running = true;
        executor = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("devman-presence").daemon().unstarted(r));
        executor.schedule(this::round, 200, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        running = false;
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
