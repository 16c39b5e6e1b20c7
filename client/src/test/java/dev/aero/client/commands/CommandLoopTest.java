package dev.aero.client.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.command.CommandType;
import dev.aero.common.id.DID;

/**
 * The command loop against a stand-in command-server: a command it cannot decode (a type newer
 * than the client) is reported failed, by its epoch, and the loop goes on with the rest of the
 * queue; a queue it cannot read is read again, with backoff, until it can; while the push
 * channel is down the queue is read with backoff, and no longer once it is back.
 */
class CommandLoopTest {

    @Test
    void anUndecodableHeadIsReportedFailedAndTheNextCommandIsCarriedOut() throws Exception {
        DID did = DID.random();
        // epoch 1, type 99: a command type this client does not know.
        String unknown = Base64.getEncoder().encodeToString(new byte[] { 0x08, 0x01, 0x10, 0x63 });
        String refreshCrl = CommandCodec.toPushPayload(Command.newBuilder().setEpoch(2).setType(CommandType.REFRESH_CRL).build());
        List<String> acks = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String prefix = "/v1/devices/" + did.hex();
        server.createContext(prefix + "/head", exchange -> answer(exchange,
                "{\"command\":\"" + unknown + "\",\"epoch\":1,\"queue_size\":2}"));
        server.createContext(prefix + "/ack", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            acks.add(body);
            answer(exchange, body.contains("\"epoch\":1")
                    ? "{\"result\":\"retried\",\"next\":{\"command\":\"" + refreshCrl + "\",\"epoch\":2,\"queue_size\":2}}"
                    : "{\"result\":\"acked\",\"next\":{\"command\":null,\"epoch\":0,\"queue_size\":0}}");
        });
        server.start();
        CountDownLatch handled = new CountDownLatch(1);
        List<CommandType> seen = new CopyOnWriteArrayList<>();
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        try (CommandLoop loop = new CommandLoop(new CommandClient(base, did, SSLContext.getDefault()), command -> {
            seen.add(command.getType());
            handled.countDown();
        }, Duration.ofSeconds(30), Duration.ofSeconds(60))) {
            loop.start();
            assertThat(handled.await(10, TimeUnit.SECONDS)).as("the command after the undecodable one ran").isTrue();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (acks.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } finally {
            server.stop(0);
        }
        assertThat(seen).containsExactly(CommandType.REFRESH_CRL);
        assertThat(acks).hasSize(2);
        assertThat(acks.get(0)).contains("\"epoch\":1").contains("\"error\"");
        assertThat(acks.get(1)).isEqualTo("{\"epoch\":2}");
    }

    @Test
    void aDrainThatKeepsFailingIsRetriedUntilItSucceeds() throws Exception {
        DID did = DID.random();
        String refreshCrl = CommandCodec.toPushPayload(Command.newBuilder().setEpoch(1).setType(CommandType.REFRESH_CRL).build());
        java.util.concurrent.atomic.AtomicInteger heads = new java.util.concurrent.atomic.AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String prefix = "/v1/devices/" + did.hex();
        server.createContext(prefix + "/head", exchange -> {
            if (heads.incrementAndGet() <= 3) {
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
                return;
            }
            answer(exchange, "{\"command\":\"" + refreshCrl + "\",\"epoch\":1,\"queue_size\":1}");
        });
        server.createContext(prefix + "/ack", exchange ->
                answer(exchange, "{\"result\":\"acked\",\"next\":{\"command\":null,\"epoch\":0,\"queue_size\":0}}"));
        server.start();
        CountDownLatch handled = new CountDownLatch(1);
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        try (CommandLoop loop = new CommandLoop(new CommandClient(base, did, SSLContext.getDefault()), command -> handled.countDown(),
                Duration.ofMillis(10), Duration.ofMillis(50))) {
            loop.start();
            assertThat(handled.await(10, TimeUnit.SECONDS)).as("carried out after three failed reads of the head").isTrue();
        } finally {
            server.stop(0);
        }
        assertThat(heads.get()).isEqualTo(4);
    }

    @Test
    void whileThePushChannelIsDownTheQueueIsReadWithBackoffAndAfterwardsNot() throws Exception {
        DID did = DID.random();
        String unlink = CommandCodec.toPushPayload(Command.newBuilder().setEpoch(1).setType(CommandType.UNLINK_AND_WIPE_SELF).build());
        java.util.concurrent.atomic.AtomicInteger heads = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean enqueued = new java.util.concurrent.atomic.AtomicBoolean();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String prefix = "/v1/devices/" + did.hex();
        server.createContext(prefix + "/head", exchange -> {
            heads.incrementAndGet();
            answer(exchange, enqueued.get() ? "{\"command\":\"" + unlink + "\",\"epoch\":1,\"queue_size\":1}"
                    : "{\"command\":null,\"epoch\":0,\"queue_size\":0}");
        });
        server.createContext(prefix + "/ack", exchange -> {
            enqueued.set(false);
            answer(exchange, "{\"result\":\"acked\",\"next\":{\"command\":null,\"epoch\":0,\"queue_size\":0}}");
        });
        server.start();
        CountDownLatch handled = new CountDownLatch(1);
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        try (CommandLoop loop = new CommandLoop(new CommandClient(base, did, SSLContext.getDefault()), command -> handled.countDown(),
                Duration.ofMillis(10), Duration.ofMillis(40))) {
            dev.aero.client.ssmp.SsmpListener listener = loop.pushListener(new dev.aero.client.ssmp.SsmpListener() { });
            // verkehr closed the connection (a revoked certificate: no reconnecting), and the
            // command comes into the queue only afterwards, its push sent to nobody.
            listener.onDisconnected(new IOException("closed by the server"), false);
            awaitAtLeast(heads, 3, "reads of the empty queue while the push channel is down");
            enqueued.set(true);
            assertThat(handled.await(10, TimeUnit.SECONDS)).as("the command read from the queue without a push").isTrue();

            // Back online: one drain, then pushes again, and no more polling.
            listener.onConnected();
            int afterLogin = awaitAtLeast(heads, heads.get() + 1, "the drain on login");
            Thread.sleep(300); // several polling intervals (at most 40 ms) in which none may come
            assertThat(heads.get()).as("reads of the queue after the push channel came back").isEqualTo(afterLogin);

            // Closed by the client itself: not a failure, no polling.
            listener.onDisconnected(null, false);
            Thread.sleep(300);
            assertThat(heads.get()).isEqualTo(afterLogin);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void devicesDroppedTogetherReadTheirQueuesSpreadOverTheFirstRetryNotInLockstep() throws Exception {
        int devices = 20;
        java.util.Map<String, Long> firstRead = new java.util.concurrent.ConcurrentHashMap<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/devices/", exchange -> {
            firstRead.putIfAbsent(exchange.getRequestURI().getPath(), System.nanoTime());
            answer(exchange, "{\"command\":null,\"epoch\":0,\"queue_size\":0}");
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        List<CommandLoop> loops = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < devices; i++) {
                loops.add(new CommandLoop(new CommandClient(base, DID.random(), SSLContext.getDefault()), command -> { },
                        Duration.ofMillis(400), Duration.ofSeconds(5)));
            }
            // verkehr went away under all of them at once.
            long dropped = System.nanoTime();
            loops.forEach(CommandLoop::pushChannelDown);
            long deadline = dropped + Duration.ofSeconds(10).toNanos();
            while (firstRead.size() < devices && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(firstRead).as("every device read its queue").hasSize(devices);
            long earliest = firstRead.values().stream().mapToLong(Long::longValue).min().orElseThrow();
            long latest = firstRead.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            // Twenty draws over 400 ms: together within 100 ms only if they were not drawn at all.
            assertThat(Duration.ofNanos(latest - earliest)).as("spread of the first reads").isGreaterThan(Duration.ofMillis(100));
        } finally {
            loops.forEach(CommandLoop::close);
            server.stop(0);
        }
    }

    @Test
    void aPushThatComesAfterADrainCarriedItsCommandOutIsNotCarriedOutAgain() throws Exception {
        DID did = DID.random();
        // The queue holds epochs 5 and 6 when the drain reads it; their pushes arrive after.
        java.util.function.LongFunction<String> payload = epoch -> CommandCodec.toPushPayload(
                Command.newBuilder().setEpoch(epoch).setType(CommandType.REFRESH_CRL).build());
        java.util.concurrent.atomic.AtomicLong head = new java.util.concurrent.atomic.AtomicLong(5);
        List<String> acks = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String prefix = "/v1/devices/" + did.hex();
        server.createContext(prefix + "/head", exchange -> answer(exchange,
                "{\"command\":\"" + payload.apply(5) + "\",\"epoch\":5,\"queue_size\":2}"));
        server.createContext(prefix + "/ack", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            acks.add(body);
            long epoch = Long.parseLong(body.replaceAll("\\D+", " ").trim().split(" ")[0]);
            boolean wasHead = head.compareAndSet(epoch, epoch + 1);
            long next = head.get();
            answer(exchange, "{\"result\":\"" + (wasHead ? "acked" : "stale") + "\",\"next\":" + (next <= 6
                    ? "{\"command\":\"" + payload.apply(next) + "\",\"epoch\":" + next + ",\"queue_size\":" + (7 - next) + "}"
                    : "{\"command\":null,\"epoch\":0,\"queue_size\":0}") + "}");
        });
        server.start();
        List<Long> seen = new CopyOnWriteArrayList<>();
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        try (CommandLoop loop = new CommandLoop(new CommandClient(base, did, SSLContext.getDefault()), command -> seen.add(command.getEpoch()),
                Duration.ofSeconds(30), Duration.ofSeconds(60))) {
            loop.start();
            awaitSize(acks, 2, "the drain acked both");
            // Late pushes of both, then a push of a new command (epoch 7, the queue's head by then).
            head.set(7);
            loop.onPush(payload.apply(5).getBytes(StandardCharsets.US_ASCII));
            loop.onPush(payload.apply(6).getBytes(StandardCharsets.US_ASCII));
            loop.onPush(payload.apply(7).getBytes(StandardCharsets.US_ASCII));
            awaitSize(acks, 3, "the new command acked");
        } finally {
            server.stop(0);
        }
        assertThat(seen).containsExactly(5L, 6L, 7L);
        assertThat(acks).containsExactly("{\"epoch\":5}", "{\"epoch\":6}", "{\"epoch\":7}");
    }

    private static void awaitSize(List<?> list, int wanted, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (list.size() < wanted) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    private static int awaitAtLeast(java.util.concurrent.atomic.AtomicInteger counter, int wanted, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (counter.get() < wanted) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(5);
        }
        return counter.get();
    }

    private static void answer(HttpExchange exchange, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }
}
