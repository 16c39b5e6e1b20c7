package dev.aero.zephyr;

/** What every connection of one relay shares. */
record RelayContext(ZephyrProperties settings, ZidRegistry registry, RelayMetrics metrics, FdReserve fdReserve,
        ByteRateLimiter globalLimiter) {

    long globalLimitNanos(long bytes) {
        return globalLimiter == null ? 0 : globalLimiter.consume(bytes);
    }
}
