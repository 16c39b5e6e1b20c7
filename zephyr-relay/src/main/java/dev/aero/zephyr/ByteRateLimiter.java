package dev.aero.zephyr;

import java.util.concurrent.TimeUnit;

/**
 * A token bucket for a byte rate, enforced by backpressure: bytes already read are always
 * forwarded (never dropped), and the caller is told how long to stop reading so that the
 * average stays at the rate. The bucket holds at most a tenth of a second of tokens, so bursts
 * stay short. Thread-safe; contention is one short critical section per read.
 */
final class ByteRateLimiter {

    private final long bytesPerSecond;
    private final double capacity;
    private double tokens;
    private long lastRefill;

    ByteRateLimiter(long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("rate must be positive");
        }
        this.bytesPerSecond = bytesPerSecond;
        this.capacity = Math.max(bytesPerSecond / 10.0, 1.0);
        this.tokens = capacity;
        this.lastRefill = System.nanoTime();
    }

    /** Takes {@code bytes} tokens and returns how many nanoseconds the reader must pause (0 = none). */
    synchronized long consume(long bytes) {
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - lastRefill) * (bytesPerSecond / 1e9));
        lastRefill = now;
        tokens -= bytes;
        return tokens >= 0 ? 0 : (long) (-tokens * 1e9 / bytesPerSecond);
    }

    static long pauseMillis(long nanos) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos));
    }
}
