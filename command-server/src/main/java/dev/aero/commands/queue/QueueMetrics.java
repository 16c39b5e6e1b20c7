package dev.aero.commands.queue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Prometheus meters of the queues: enqueues, acks, retries, dead letters and expiries, and the
 * distribution of queue depths seen at enqueue ({@code aero_commands_queue_depth}). Push
 * failures are counted by the pusher ({@code aero_commands_pushes_total{result}}).
 */
public final class QueueMetrics implements CommandQueues.Events {

    private final Counter enqueues;
    private final Counter acks;
    private final Counter retries;
    private final Counter deadLetters;
    private final Counter expiries;
    private final DistributionSummary depth;

    public QueueMetrics(MeterRegistry registry) {
        enqueues = Counter.builder("aero.commands.enqueues").register(registry);
        acks = Counter.builder("aero.commands.acks").register(registry);
        retries = Counter.builder("aero.commands.retries").register(registry);
        deadLetters = Counter.builder("aero.commands.dead.letters").register(registry);
        expiries = Counter.builder("aero.commands.expired").register(registry);
        depth = DistributionSummary.builder("aero.commands.queue.depth").description("a device's queue depth after an enqueue")
                .serviceLevelObjectives(1, 2, 5, 10, 50, 100).register(registry);
    }

    @Override
    public void enqueued(long size) {
        enqueues.increment();
        depth.record(size);
    }

    @Override
    public void acked() {
        acks.increment();
    }

    @Override
    public void retried() {
        retries.increment();
    }

    @Override
    public void deadLettered() {
        deadLetters.increment();
    }

    @Override
    public void expired(long n) {
        if (n > 0) {
            expiries.increment(n);
        }
    }
}
