package dev.aero.commands.queue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;

import org.springframework.stereotype.Component;

/**
 * {@link CommandQueues#totals()} kept for {@link #FRESH}: an admin console polls every second,
 * and counting walks every queue key. One caller counts at a time; the others wait for its answer.
 */
@Component
public class QueueTotals {

    static final Duration FRESH = Duration.ofSeconds(5);

    /** The totals and when they were counted. */
    public record Counted(CommandQueues.Totals totals, Instant countedAt) { }

    private final CommandQueues queues;
    private final Clock clock;
    private final ReentrantLock counting = new ReentrantLock();
    private volatile Counted last;

    public QueueTotals(CommandQueues queues) {
        this.queues = queues;
        this.clock = Clock.systemUTC();
    }

    public Counted now() {
        Counted known = last;
        if (fresh(known)) {
            return known;
        }
        counting.lock();
        try {
            known = last;
            if (fresh(known)) {
                return known;
            }
            Instant at = clock.instant();
            last = new Counted(queues.totals(), at);
            return last;
        } finally {
            counting.unlock();
        }
    }

    private boolean fresh(Counted c) {
        return c != null && Duration.between(c.countedAt(), clock.instant()).compareTo(FRESH) < 0;
    }
}
