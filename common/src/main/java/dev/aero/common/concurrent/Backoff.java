package dev.aero.common.concurrent;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The platform's one exponential backoff: delays that start at {@code first} and double up to
 * {@code max}. With jitter each delay is drawn from its upper half ("equal jitter"), so that
 * clients dropped together by a restarting server do not come back in lockstep; without, the
 * delays are exact. An instance is used by one thread at a time; {@link #afterFailures} and
 * {@link #doubled} serve callers that keep the state elsewhere (a database row, Redis).
 */
public final class Backoff {

    private final long firstMillis;
    private final long maxMillis;
    private final RandomGenerator jitter;
    private long nextMillis;

    private Backoff(Duration first, Duration max, RandomGenerator jitter) {
        checkBounds(first, max);
        this.firstMillis = first.toMillis();
        this.maxMillis = max.toMillis();
        this.jitter = jitter;
        this.nextMillis = firstMillis;
    }

    /** Exact delays: {@code first}, twice that, ... up to {@code max}. */
    public static Backoff exponential(Duration first, Duration max) {
        return new Backoff(first, max, null);
    }

    /** The same delays, each drawn from its upper half with {@code random}. */
    public static Backoff withEqualJitter(Duration first, Duration max, RandomGenerator random) {
        return new Backoff(first, max, random);
    }

    /** The delay before the next attempt; each call doubles the following one, up to the maximum. */
    public Duration next() {
        long base = nextMillis;
        nextMillis = Math.min(maxMillis, base * 2);
        if (jitter == null) {
            return Duration.ofMillis(base);
        }
        long half = base / 2;
        return Duration.ofMillis(base - half + jitter.nextLong(half + 1));
    }

    /** After a success: the next run of failures starts again from the first delay. */
    public void reset() {
        nextMillis = firstMillis;
    }

    /** The exact delay after {@code failures} failures (1 = the first): {@code first * 2^(failures-1)}, at most {@code max}. */
    public static Duration afterFailures(Duration first, Duration max, int failures) {
        checkBounds(first, max);
        long delay = first.toMillis();
        for (int i = 1; i < failures && delay < max.toMillis(); i++) {
            delay *= 2;
        }
        return Duration.ofMillis(Math.min(delay, max.toMillis()));
    }

    /** The delay after {@code previous} (none yet: {@code first}): twice it, at most {@code max}. */
    public static Duration doubled(Duration previous, Duration first, Duration max) {
        checkBounds(first, max);
        return previous == null ? first : Duration.ofMillis(Math.min(max.toMillis(), previous.toMillis() * 2));
    }

    private static void checkBounds(Duration first, Duration max) {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < first <= max, got " + first + " and " + max);
        }
    }
}
