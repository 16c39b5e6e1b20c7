package dev.aero.verkehr;

import dev.aero.common.ssmp.SsmpVerb;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;


/**
 * verkehr's Prometheus meters: open connections, logins by scheme and result, messages in and out
 * by verb, connections refused and closed by cause, and messages dropped by cause.
 */
public final class VerkehrMetrics {

    private final MeterRegistry registry;
    private final Map<SsmpVerb, Counter> in = new java.util.EnumMap<>(SsmpVerb.class);
    private final Map<String, Counter> out = new ConcurrentHashMap<>();
    private final Map<String, Counter> logins = new ConcurrentHashMap<>();
    private final Map<String, Counter> refused = new ConcurrentHashMap<>();
    private final Map<String, Counter> closed = new ConcurrentHashMap<>();
    private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
    private final Map<String, Counter> storeLookups = new ConcurrentHashMap<>();
    private final Counter throttled;
    private final Counter storeLeft;

    public VerkehrMetrics(MeterRegistry registry) {
        this.registry = registry;
        throttled = Counter.builder("verkehr.publishers.throttled")
                .description("times a publisher stopped being read until the fan-out backlog drained").register(registry);
        storeLeft = Counter.builder("verkehr.store.removals")
                .description("store subscriptions ended by verkehr because the user stopped being a member").register(registry);
        for (SsmpVerb verb : SsmpVerb.values()) {
            in.put(verb, Counter.builder("verkehr.messages.in").tag("verb", verb.name()).register(registry));
        }
    }

    public void gauges(Supplier<Number> connections, Supplier<Number> loggedIn, Supplier<Number> topics) {
        Gauge.builder("verkehr.connections", connections).description("open SSMP connections on this node").register(registry);
        Gauge.builder("verkehr.connections.logged.in", loggedIn).description("connections logged in with an id").register(registry);
        Gauge.builder("verkehr.topics", topics).description("topics with a subscriber on this node").register(registry);
    }

    public void received(SsmpVerb verb) {
        in.get(verb).increment();
    }

    public void delivered(String verb, int n) {
        if (n > 0) {
            out.computeIfAbsent(verb, v -> Counter.builder("verkehr.messages.out").tag("verb", v).register(registry)).increment(n);
        }
    }

    public void login(String scheme, String result) {
        String s = scheme == null || scheme.length() > 16 || !scheme.chars().allMatch(Character::isLetter) ? "other" : scheme;
        logins.computeIfAbsent(s + '/' + result, k -> Counter.builder("verkehr.logins").tag("scheme", s).tag("result", result)
                .register(registry)).increment();
    }

    public void refused(String cause) {
        refused.computeIfAbsent(cause, c -> Counter.builder("verkehr.requests.refused").tag("cause", c).register(registry)).increment();
    }

    public void closed(String cause) {
        closed.computeIfAbsent(cause, c -> Counter.builder("verkehr.connections.closed").tag("cause", c).register(registry)).increment();
    }

    /** A store-membership lookup: {@code cached}, {@code fetched} from SP, {@code stale} (SP failed) or {@code failed}. */
    public void storeLookup(String result) {
        storeLookups.computeIfAbsent(result, r -> Counter.builder("verkehr.store.lookups").tag("result", r)
                .description("store-membership lookups by where the answer came from").register(registry)).increment();
    }

    /** A device was taken out of a store topic because its user may no longer use the store. */
    public void storeLeft() {
        storeLeft.increment();
    }

    public void throttled() {
        throttled.increment();
    }

    public void dropped(String cause) {
        dropped.computeIfAbsent(cause, c -> Counter.builder("verkehr.drops").tag("cause", c).register(registry)).increment();
    }

    public double throttledCount() {
        return throttled.count();
    }

    public double count(String name, String tag, String value) {
        Counter c = registry.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }
}
