package dev.aero.common.concurrent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;

class BackoffTest {

    private static final Duration INITIAL = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofSeconds(60);

    @Test
    void delaysDoubleFrom100MillisecondsUpTo60Seconds() {
        Backoff longest = Backoff.withEqualJitter(INITIAL, MAX, fixed(true));
        assertThat(millis(longest, 12)).containsExactly(100L, 200L, 400L, 800L, 1600L, 3200L, 6400L, 12800L, 25600L, 51200L, 60000L, 60000L);
    }

    @Test
    void jitterTakesAtMostHalfOfEachDelay() {
        Backoff shortest = Backoff.withEqualJitter(INITIAL, MAX, fixed(false));
        assertThat(millis(shortest, 12)).containsExactly(50L, 100L, 200L, 400L, 800L, 1600L, 3200L, 6400L, 12800L, 25600L, 30000L, 30000L);

        Backoff random = Backoff.withEqualJitter(INITIAL, MAX, new SplittableRandom(1));
        List<Long> drawn = millis(random, 12);
        long base = 100;
        for (long delay : drawn) {
            assertThat(delay).isBetween(base / 2, base);
            base = Math.min(base * 2, 60000);
        }
    }

    @Test
    void resetStartsAgainFromTheInitialDelay() {
        Backoff backoff = Backoff.withEqualJitter(INITIAL, MAX, fixed(true));
        millis(backoff, 5);
        backoff.reset();
        assertThat(millis(backoff, 2)).containsExactly(100L, 200L);
    }

    @Test
    void withoutJitterTheDelaysAreExact() {
        Backoff exact = Backoff.exponential(Duration.ofSeconds(5), MAX);
        assertThat(millis(exact, 6)).containsExactly(5000L, 10000L, 20000L, 40000L, 60000L, 60000L);
        exact.reset();
        assertThat(millis(exact, 1)).containsExactly(5000L);
    }

    @Test
    void theDelayAfterNFailuresDoublesFromTheFirstUpToTheMaximum() {
        Duration first = Duration.ofSeconds(1);
        assertThat(Backoff.afterFailures(first, MAX, 1)).isEqualTo(first);
        assertThat(Backoff.afterFailures(first, MAX, 4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(Backoff.afterFailures(first, MAX, 7)).isEqualTo(MAX);
        assertThat(Backoff.afterFailures(first, MAX, Integer.MAX_VALUE)).isEqualTo(MAX);
        assertThat(Backoff.doubled(null, first, MAX)).isEqualTo(first);
        assertThat(Backoff.doubled(Duration.ofSeconds(40), first, MAX)).isEqualTo(MAX);
    }

    @Test
    void boundsOutOfOrderAreRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Backoff.exponential(Duration.ZERO, MAX))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Backoff.exponential(MAX, INITIAL))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static List<Long> millis(Backoff backoff, int count) {
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            delays.add(backoff.next().toMillis());
        }
        return delays;
    }

    /** Draws always the largest (or always the smallest) value allowed. */
    private static RandomGenerator fixed(boolean largest) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public long nextLong(long bound) {
                return largest ? bound - 1 : 0;
            }
        };
    }
}
