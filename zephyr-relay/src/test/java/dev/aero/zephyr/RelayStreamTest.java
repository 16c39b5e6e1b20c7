package dev.aero.zephyr;

import static dev.aero.zephyr.RelayFixture.assertClosedByRelay;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.aero.client.zephyr.ZephyrClient;

/** Whole streams: integrity, orderly close, flow control, isolation and many pairs at once. */
class RelayStreamTest {

    private RelayFixture relay;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeEach
    void start() {
        relay = RelayFixture.start();
    }

    @AfterEach
    void stop() {
        threads.shutdownNow();
        relay.close();
    }

    @Test
    void aOneGibTransferHasTheSameSha256AtBothEnds() throws Exception {
        Socket[] pair = relay.pair();
        long size = 1L << 30;
        Future<byte[]> sent = threads.submit(() -> send(pair[0].getOutputStream(), size, 256 * 1024, 1));
        byte[] received = receive(pair[1].getInputStream(), size);
        assertThat(received).isEqualTo(sent.get(60, TimeUnit.SECONDS));
        pair[0].close();
        assertClosedByRelay(pair[1], Duration.ofSeconds(5));
    }

    @ParameterizedTest(name = "sender bound {0}")
    @ValueSource(strings = { "first", "second" })
    void anOrderlyCloseDeliversEveryAcceptedByteBeforeClosingThePartner(String senderBinds) throws Exception {
        ZephyrClient a = relay.client();
        ZephyrClient b = relay.client();
        Socket first = a.bind(b.zid());
        Thread.sleep(100); // let the relay take a's BIND first: the bind order is the test's
        Socket second = b.bind(a.zid());
        Socket sender = senderBinds.equals("first") ? first : second;
        Socket receiver = sender == first ? second : first;
        long size = 48L << 20;
        // The sender writes everything and closes at once; the receiver only starts reading
        // later, so most of the stream sits in the relay and the kernel when the close arrives.
        Future<byte[]> sent = threads.submit(() -> {
            byte[] digest = send(sender.getOutputStream(), size, 64 * 1024, 2);
            sender.close();
            return digest;
        });
        Thread.sleep(500);
        byte[] received = receive(receiver.getInputStream(), size);
        assertThat(received).isEqualTo(sent.get(30, TimeUnit.SECONDS));
        assertThat(receiver.getInputStream().read()).as("then the partner is closed").isEqualTo(-1);
        assertThat(relay.metrics.counts(false).values().stream().mapToLong(Long::longValue).sum())
                .as("no close for cause: " + relay.metrics.counts(false)).isZero();
    }

    @Test
    void aSlowReceiverSlowsItsSender() throws Exception {
        Socket[] pair = relay.pair();
        AtomicLong written = new AtomicLong();
        Future<?> writer = threads.submit(() -> {
            byte[] chunk = new byte[64 * 1024];
            try {
                OutputStream out = pair[0].getOutputStream();
                while (written.get() < (4L << 30)) {
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                }
            } catch (IOException e) {
                // closed at the end of the test
            }
            return null;
        });
        Thread.sleep(1500);
        long stalledAt = written.get();
        Thread.sleep(1000);
        // Socket buffers on both hops plus the relay's bounded queue, not gigabytes.
        assertThat(stalledAt).isLessThan(64L << 20);
        assertThat(written.get()).as("no progress while nobody reads").isEqualTo(stalledAt);
        // Reading resumes the flow, and nothing was lost.
        long expected = stalledAt;
        byte[] buffer = new byte[1 << 20];
        long read = 0;
        InputStream in = pair[1].getInputStream();
        while (read < expected) {
            read += in.read(buffer);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (written.get() == stalledAt && System.nanoTime() < deadline) {
            read += in.read(buffer);
        }
        assertThat(written.get()).isGreaterThan(stalledAt);
        pair[0].close();
        pair[1].close();
        writer.cancel(true);
    }

    @Test
    void malformedAndSlowClientsNeverDisturbAnotherPair() throws Exception {
        // A slow pair: its receiver never reads, so its sender is held back by the relay.
        Socket[] slow = relay.pair();
        Future<?> slowWriter = threads.submit(() -> {
            try {
                while (true) {
                    slow[0].getOutputStream().write(new byte[64 * 1024]);
                }
            } catch (IOException e) {
                return null;
            }
        });
        // Clients that never bind, and a stream of malformed clients.
        List<Socket> silent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            silent.add(relay.raw(null));
        }
        Future<Integer> garbage = threads.submit(() -> {
            Random random = new Random(7);
            int sent = 0;
            for (int i = 0; i < 200; i++) {
                try (Socket s = new Socket("127.0.0.1", relay.server.port())) {
                    byte[] junk = new byte[1 + random.nextInt(64)];
                    random.nextBytes(junk);
                    junk[0] = 0x41;
                    s.getOutputStream().write(junk);
                    sent++;
                } catch (IOException e) {
                    // the relay may close first: that is the point
                }
            }
            return sent;
        });
        // Meanwhile a good pair moves 128 MiB intact.
        Socket[] good = relay.pair();
        long size = 128L << 20;
        Future<byte[]> sent = threads.submit(() -> send(good[0].getOutputStream(), size, 128 * 1024, 3));
        assertThat(receive(good[1].getInputStream(), size)).isEqualTo(sent.get(60, TimeUnit.SECONDS));
        assertThat(garbage.get(60, TimeUnit.SECONDS)).isPositive();
        relay.awaitCount(CloseCause.BAD_MAGIC, garbage.get());
        // The slow pair lost nothing either: its receiver can still read the stream.
        slow[1].setSoTimeout(5000);
        assertThat(slow[1].getInputStream().readNBytes(1 << 20)).hasSize(1 << 20);
        for (Socket s : silent) {
            s.close();
        }
        slow[0].close();
        slow[1].close();
        slowWriter.cancel(true);
    }

    @Test
    void aThousandConcurrentPairsEachDeliverTheirOwnBytes() throws Exception {
        int pairs = 1000;
        List<Future<Boolean>> results = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            int seed = p;
            results.add(threads.submit(() -> exchange(seed)));
        }
        int ok = 0;
        for (Future<Boolean> result : results) {
            if (result.get(120, TimeUnit.SECONDS)) {
                ok++;
            }
        }
        assertThat(ok).isEqualTo(pairs);
        assertThat(relay.metrics.bytesRelayed()).isEqualTo(pairs * 2L * 32 * 1024);
    }

    /** One pair: each side sends 32 KiB of its own bytes and checks it got exactly the other's. */
    private boolean exchange(int seed) throws Exception {
        try (ZephyrClient a = relay.client(); ZephyrClient b = relay.client()) {
            Socket sa = a.bind(b.zid());
            Socket sb = b.bind(a.zid());
            sa.setSoTimeout(60_000);
            sb.setSoTimeout(60_000);
            byte[] fromA = bytes(seed * 2L, 32 * 1024);
            byte[] fromB = bytes(seed * 2L + 1, 32 * 1024);
            Future<?> writeA = threads.submit(() -> {
                sa.getOutputStream().write(fromA);
                return null;
            });
            sb.getOutputStream().write(fromB);
            byte[] gotByB = sb.getInputStream().readNBytes(fromA.length);
            byte[] gotByA = sa.getInputStream().readNBytes(fromB.length);
            writeA.get();
            return java.util.Arrays.equals(gotByB, fromA) && java.util.Arrays.equals(gotByA, fromB);
        }
    }

    private static byte[] bytes(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes {@code size} pseudo-random bytes in {@code chunk}-byte writes; returns their SHA-256. */
    static byte[] send(OutputStream out, long size, int chunk, long seed) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] block = bytes(seed, chunk);
        ByteBuffer counter = ByteBuffer.wrap(block);
        for (long sent = 0, i = 0; sent < size; sent += chunk, i++) {
            counter.putLong(0, i);
            int n = (int) Math.min(chunk, size - sent);
            out.write(block, 0, n);
            sha.update(block, 0, n);
        }
        out.flush();
        return sha.digest();
    }

    /** Reads exactly {@code size} bytes; returns their SHA-256. */
    static byte[] receive(InputStream in, long size) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[256 * 1024];
        long received = 0;
        while (received < size) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, size - received));
            assertThat(n).as("stream ended after %d of %d bytes", received, size).isPositive();
            sha.update(buffer, 0, n);
            received += n;
        }
        return sha.digest();
    }

}
