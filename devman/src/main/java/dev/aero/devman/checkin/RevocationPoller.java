package dev.aero.devman.checkin;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.springframework.context.SmartLifecycle;

import dev.aero.common.tls.RevocationFollower;

/** Reads SP's CRL every {@code crl-refresh} (2 s) once the CA is known. */
public final class RevocationPoller implements SmartLifecycle {

    private final RevocationFollower revocations;
    private final Duration period;
    private volatile ScheduledExecutorService timer;

    public RevocationPoller(RevocationFollower revocations, Duration period) {
        this.revocations = revocations;
        this.period = period;
    }

    @Override
    public void start() {
        ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("crl").factory());
        t.scheduleWithFixedDelay(() -> revocations.refresh(revoked -> { }), 0, period.toMillis(), TimeUnit.MILLISECONDS);
        timer = t;
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
