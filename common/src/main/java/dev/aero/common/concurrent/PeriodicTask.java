package dev.aero.common.concurrent;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A task a service runs every {@code period} on its own daemon thread while the application
 * runs: started and stopped with it. A run that throws is logged and the next run goes ahead,
 * so a dependency that is briefly away (Redis, SP) does not end the schedule.
 */
public final class PeriodicTask implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PeriodicTask.class);

    private final String name;
    private final Duration initialDelay;
    private final Duration period;
    private final Runnable task;
    private volatile ScheduledExecutorService timer;

    /**
     * @param name the thread's name, and the task's in the log
     * @param initialDelay before the first run
     * @param period between the end of one run and the start of the next
     */
    public PeriodicTask(String name, Duration initialDelay, Duration period, Runnable task) {
        if (period.isNegative() || period.isZero() || initialDelay.isNegative()) {
            throw new IllegalArgumentException(name + ": the period must be positive and the initial delay not negative");
        }
        this.name = name;
        this.initialDelay = initialDelay;
        this.period = period;
        this.task = task;
    }

    @Override
    public void start() {
        ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name(name).factory());
        t.scheduleWithFixedDelay(this::runOnce, initialDelay.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        timer = t;
    }

    private void runOnce() {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.warn("{} failed; it runs again in {}: {}", name, period, e.toString());
        }
    }

    @Override
    public void stop() {
        ScheduledExecutorService t = timer;
        if (t != null) {
            t.shutdownNow();
        }
        timer = null;
    }

    @Override
    public boolean isRunning() {
        return timer != null;
    }
}
