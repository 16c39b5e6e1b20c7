package dev.aero.client.ssmp;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Delays between reconnect attempts: {@code initial}, doubling up to {@code max}, each one drawn
 * from its upper half ("equal jitter") so that clients dropped together by a restarting server do
 * not come back in lockstep. Used by one thread only.
 */
final class ReconnectBackoff {

    private final long initialMillis;
    private final long maxMillis;
    private final RandomGenerator random;
    private long nextMillis;

    ReconnectBackoff(Duration initial, Duration max, RandomGenerator random) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + " and " + max);
        }
        this.initialMillis = initial.toMillis();
        this.maxMillis = max.toMillis();
        this.random = random;
        this.nextMillis = initialMillis;
    }

    /** The delay before the next attempt; each call doubles the following one, up to the maximum. */
    Duration next() {
        long base = nextMillis;
        nextMillis = Math.min(maxMillis, base * 2);
        long half = base / 2;
        return Duration.ofMillis(base - half + random.nextLong(half + 1));
    }

    /** After a successful login: the next outage starts again from the initial delay. */
    void reset() {
        nextMillis = initialMillis;
    }
}
