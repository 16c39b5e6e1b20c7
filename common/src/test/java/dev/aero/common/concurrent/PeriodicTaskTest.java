package dev.aero.common.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class PeriodicTaskTest {

    @Test
    void runsAgainAfterARunThatThrowsAndStopsWhenStopped() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch three = new CountDownLatch(3);
        PeriodicTask task = new PeriodicTask("periodic-test", Duration.ZERO, Duration.ofMillis(10), () -> {
            runs.incrementAndGet();
            three.countDown();
            throw new IllegalStateException("a dependency is away");
        });
        assertThat(task.isRunning()).isFalse();
        task.start();
        assertThat(task.isRunning()).isTrue();
        assertThat(three.await(5, TimeUnit.SECONDS)).as("three runs, each one throwing").isTrue();

        task.stop();
        assertThat(task.isRunning()).isFalse();
        Thread.sleep(50);
        int after = runs.get();
        Thread.sleep(100);
        assertThat(runs.get()).as("no run after stop").isEqualTo(after);
    }

    @Test
    void waitsTheInitialDelayBeforeTheFirstRun() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        long started = System.nanoTime();
        PeriodicTask task = new PeriodicTask("periodic-delay-test", Duration.ofMillis(300), Duration.ofSeconds(10), ran::countDown);
        task.start();
        try {
            assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        } finally {
            task.stop();
        }
    }

    @Test
    void aPeriodMustBePositive() {
        assertThatThrownBy(() -> new PeriodicTask("bad", Duration.ZERO, Duration.ZERO, () -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
