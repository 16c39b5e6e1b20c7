package dev.aero.zephyr;

import static dev.aero.zephyr.RelayFixture.assertClosedByRelay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.aero.client.zephyr.ZephyrClient;

/** Maximum connections, per-pair and global byte rates. */
class RelayLimitsTest {

    @Test
    void connectionsBeyondTheMaximumAreRefusedAndCounted() throws Exception {
        try (RelayFixture relay = RelayFixture.start("max-connections", "4")) {
            List<ZephyrClient> open = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                open.add(relay.client());
            }
            assertThatThrownBy(relay::client).isInstanceOf(IOException.class);
            relay.awaitCount(CloseCause.MAX_CONNECTIONS, 1);
            // The ones inside the limit still pair and relay.
            Socket a = open.get(0).bind(open.get(1).zid());
            Socket b = open.get(1).bind(open.get(0).zid());
            a.getOutputStream().write(42);
            b.setSoTimeout(5000);
            assertThat(b.getInputStream().read()).isEqualTo(42);
            // A freed slot is usable again.
            open.get(3).close();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (relay.metrics.connections() > 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            try (ZephyrClient again = relay.client()) {
                assertThat(again.zid()).isNotNegative();
            }
            for (ZephyrClient c : open) {
                c.close();
            }
        }
    }

    @Test
    void aPairRateLimitHoldsThroughputWithinTenPercent() throws Exception {
        long rate = 8L << 20;
        try (RelayFixture relay = RelayFixture.start("pair-bytes-per-second", Long.toString(rate))) {
            double measured = throughput(relay.pair(), 3 * rate);
            assertThat(measured).isBetween(rate * 0.9, rate * 1.1);
        }
    }

    @Test
    void aGlobalRateLimitHoldsAcrossPairs() throws Exception {
        long rate = 8L << 20;
        try (RelayFixture relay = RelayFixture.start("global-bytes-per-second", Long.toString(rate))) {
            Socket[] one = relay.pair();
            Socket[] two = relay.pair();
            long start = System.nanoTime();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<Double> first = threads.submit(() -> throughput(one, 3 * rate / 2));
                Future<Double> second = threads.submit(() -> throughput(two, 3 * rate / 2));
                first.get();
                second.get();
            }
            double aggregate = 3.0 * rate / ((System.nanoTime() - start) / 1e9);
            assertThat(aggregate).isBetween(rate * 0.9, rate * 1.1);
        }
    }

    @Test
    void withoutLimitsAPairIsFarFasterThanTheLimitedRate() throws Exception {
        try (RelayFixture relay = RelayFixture.start()) {
            assertThat(throughput(relay.pair(), 64L << 20)).isGreaterThan(4 * (8L << 20));
        }
    }

    /** Sends {@code bytes} from pair[0] to pair[1]; bytes per second as seen by the receiver. */
    static double throughput(Socket[] pair, long bytes) throws Exception {
        // Its own thread: the common pool has a single thread on a 2-core machine.
        CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
            byte[] chunk = new byte[64 * 1024];
            try {
                for (long sent = 0; sent < bytes; sent += chunk.length) {
                    pair[0].getOutputStream().write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, Executors.newVirtualThreadPerTaskExecutor());
        InputStream in = pair[1].getInputStream();
        byte[] buffer = new byte[64 * 1024];
        long received = 0;
        long start = System.nanoTime();
        while (received < bytes) {
            int n = in.read(buffer);
            assertThat(n).isPositive();
            received += n;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        sender.join();
        pair[0].close();
        assertClosedByRelay(pair[1], Duration.ofSeconds(5));
        return received / seconds;
    }
}
