package dev.aero.zephyr;

import java.util.concurrent.atomic.AtomicBoolean;

/** What the two connections of a bound pair share: the pair's rate limit and its end. */
final class RelayPair {

    private final ByteRateLimiter limiter;
    private final AtomicBoolean ended = new AtomicBoolean();

    RelayPair(long bytesPerSecond) {
        this.limiter = bytesPerSecond > 0 ? new ByteRateLimiter(bytesPerSecond) : null;
    }

    /** Pause, in nanoseconds, that relaying {@code bytes} more asks of the sender; 0 if unlimited. */
    long limitNanos(long bytes) {
        return limiter == null ? 0 : limiter.consume(bytes);
    }

    /** True for the first of the two connections to close. */
    boolean end() {
        return ended.compareAndSet(false, true);
    }
}
