package dev.aero.common.concurrent;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Runs a step again and again until it succeeds: what a service does at start for what another
 * service must give it first (a certificate from SP's CA, a connection to verkehr). The pause
 * after a failure starts at {@code first} and doubles up to {@code last}.
 */
public final class Retry {

    /** One attempt; throwing means "not yet". */
    @FunctionalInterface
    public interface Attempt {
        void run() throws Exception;
    }

    /** Hears each failed attempt and the pause before the next. */
    @FunctionalInterface
    public interface Failure {
        void failed(Exception cause, long nextMillis);
    }

    private Retry() {
    }

    /**
     * Runs {@code attempt} until it returns normally, on the calling thread; gives up when
     * {@code stopped} says so or the thread is interrupted. Whether the attempt succeeded.
     */
    public static boolean untilDone(Duration first, Duration last, BooleanSupplier stopped, Attempt attempt, Failure onFailure) {
        Backoff backoff = Backoff.exponential(first, last);
        while (!stopped.getAsBoolean()) {
            try {
                attempt.run();
                return true;
            } catch (Exception e) {
                long pause = backoff.next().toMillis();
                onFailure.failed(e, pause);
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    /** The same on a daemon thread of its own, named {@code name}. */
    public static Thread inBackground(String name, Duration first, Duration last, BooleanSupplier stopped, Attempt attempt,
            Failure onFailure) {
        return Thread.ofPlatform().daemon().name(name).start(() -> untilDone(first, last, stopped, attempt, onFailure));
    }
}
