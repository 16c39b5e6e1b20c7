package dev.aero.zephyr;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The relay's counters, kept once and exposed twice: to Prometheus through Micrometer and to
 * {@code GET /status}. Every refusal and every close for cause is counted under its cause.
 */
final class RelayMetrics {

    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger boundPairs = new AtomicInteger();
    private final LongAdder bytesRelayed = new LongAdder();
    private final Map<CloseCause, Counter> byCause = new EnumMap<>(CloseCause.class);
    private volatile long bytesPerSecond;
    private long lastSampleBytes;
    private long lastSampleNanos = System.nanoTime();

    RelayMetrics(MeterRegistry registry) {
        Gauge.builder("zephyr.connections", connections, AtomicInteger::get)
                .description("open relay sockets").register(registry);
        Gauge.builder("zephyr.pairs.bound", boundPairs, AtomicInteger::get)
                .description("pairs relaying bytes").register(registry);
        FunctionCounter.builder("zephyr.bytes.relayed", bytesRelayed, LongAdder::sum)
                .baseUnit("bytes").description("bytes relayed, both directions").register(registry);
        Gauge.builder("zephyr.bytes.rate", this, m -> m.bytesPerSecond)
                .baseUnit("bytes/s").description("bytes relayed per second over the last second").register(registry);
        for (CloseCause cause : CloseCause.values()) {
            byCause.put(cause, Counter.builder(cause.isRefusal() ? "zephyr.connections.refused" : "zephyr.connections.closed")
                    .tag("cause", cause.tag())
                    .description(cause.isRefusal() ? "connections refused on arrival" : "connections closed by the relay for cause")
                    .register(registry));
        }
    }

    int opened() {
        return connections.incrementAndGet();
    }

    void closed() {
        connections.decrementAndGet();
    }

    void pairBound() {
        boundPairs.incrementAndGet();
    }

    void pairEnded() {
        boundPairs.decrementAndGet();
    }

    void relayed(long bytes) {
        bytesRelayed.add(bytes);
    }

    void count(CloseCause cause) {
        byCause.get(cause).increment();
    }

    /** Called once a second: the rate shown in /status and Prometheus. */
    synchronized void sampleRate() {
        long now = System.nanoTime();
        long bytes = bytesRelayed.sum();
        double seconds = (now - lastSampleNanos) / 1e9;
        if (seconds > 0) {
            bytesPerSecond = (long) ((bytes - lastSampleBytes) / seconds);
        }
        lastSampleBytes = bytes;
        lastSampleNanos = now;
    }

    int connections() {
        return connections.get();
    }

    int boundPairs() {
        return boundPairs.get();
    }

    long bytesRelayed() {
        return bytesRelayed.sum();
    }

    long bytesPerSecond() {
        return bytesPerSecond;
    }

    Map<String, Long> counts(boolean refusals) {
        Map<String, Long> counts = new LinkedHashMap<>();
        byCause.forEach((cause, counter) -> {
            if (cause.isRefusal() == refusals) {
                counts.put(cause.tag(), (long) counter.count());
            }
        });
        return counts;
    }
}
