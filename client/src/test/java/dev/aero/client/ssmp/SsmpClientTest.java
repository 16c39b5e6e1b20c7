package dev.aero.client.ssmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.aero.client.ssmp.ScriptedSsmpServer.Peer;

/** The client against a scripted server over plain TCP: correlation, events, keepalive, reconnects, close. */
class SsmpClientTest {

    private static final String LOGIN = "LOGIN dev1 secret s3cret";
    private static final Duration QUICKLY = Duration.ofMillis(350);

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final RecordingListener heard = new RecordingListener();
    private ScriptedSsmpServer server;
    private SsmpClient client;

    @BeforeEach
    void start() throws Exception {
        server = ScriptedSsmpServer.plain();
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        server.close();
        threads.shutdownNow();
    }

    private SsmpClient.Builder builder() {
        return SsmpClient.builder("127.0.0.1", server.port()).plaintext()
                .login("dev1", "secret", "s3cret")
                .listener(heard)
                .connectTimeout(Duration.ofSeconds(2))
                .requestTimeout(Duration.ofSeconds(2))
                // Most scripts never answer CLOSE; the default 1 s wait would only slow the tests down.
                .closeTimeout(Duration.ofMillis(100));
    }

    /** Builds the client, connects it and lets the scripted server accept its LOGIN. */
    private Peer connect(SsmpClient.Builder builder) throws Exception {
        client = builder.build();
        Future<?> connecting = threads.submit(() -> {
            client.connect();
            return null;
        });
        Peer peer = server.accept().login(LOGIN);
        connecting.get(5, TimeUnit.SECONDS);
        assertThat(heard.next()).isEqualTo("connected");
        assertThat(client.isConnected()).isTrue();
        return peer;
    }

    private static SsmpException refusal(CompletableFuture<?> request) throws Exception {
        try {
            request.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(SsmpException.class);
            return (SsmpException) e.getCause();
        }
        throw new AssertionError("expected the request to be refused, but it succeeded");
    }

    private static Throwable failure(CompletableFuture<?> request) throws Exception {
        try {
            request.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected the request to fail, but it succeeded");
    }

    @Test
    void answersCompleteRequestsInTheOrderSentAndEventsInBetweenDoNotDisturbThem() throws Exception {
        Peer peer = connect(builder());

        CompletableFuture<Void> ucast = client.ucastAsync("absent", ascii("hi"));
        CompletableFuture<Void> subscribe = client.subscribeAsync("cmd/other", false);
        CompletableFuture<Void> mcast = client.mcastAsync("store/1", ascii("loc 10.0.0.1 4242"));
        CompletableFuture<Void> unsubscribe = client.unsubscribeAsync("never");
        CompletableFuture<Void> bcast = client.bcastAsync(ascii("bye"));
        assertThat(peer.readLine()).isEqualTo("UCAST absent hi");
        assertThat(peer.readLine()).isEqualTo("SUBSCRIBE cmd/other");
        assertThat(peer.readLine()).isEqualTo("MCAST store/1 loc 10.0.0.1 4242");
        assertThat(peer.readLine()).isEqualTo("UNSUBSCRIBE never");
        assertThat(peer.readLine()).isEqualTo("BCAST bye");
        assertThat(ucast).isNotDone();

        peer.send("404\n000 alice UCAST dev1 in between\n401 cmd/other\n200\n000 . PING\n404\n405\n");

        assertThat(refusal(ucast).code()).isEqualTo(404);
        SsmpException unauthorized = refusal(subscribe);
        assertThat(unauthorized.code()).isEqualTo(401);
        assertThat(unauthorized.payloadText()).isEqualTo("cmd/other");
        assertThat(mcast.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(refusal(unsubscribe).code()).isEqualTo(404);
        assertThat(refusal(bcast).code()).isEqualTo(405);
        assertThat(heard.next()).isEqualTo("unicast from alice: in between");
        assertThat(client.subscriptions()).as("a refused topic is not held").isEmpty();
    }

    @Test
    void manyMulticastsGoOutTogetherInOrderAndEachGetsItsOwnAnswer() throws Exception {
        Peer peer = connect(builder().platformReader(true));
        CompletableFuture<Void> before = client.mcastAsync("cmd/0", ascii("first"));
        List<CompletableFuture<Void>> answers = client.mcastAllAsync(List.of(new SsmpClient.Multicast("cmd/1", ascii("a")),
                new SsmpClient.Multicast("cmd/2", ascii("b")), new SsmpClient.Multicast("cmd/3", ascii("c"))));
        assertThat(peer.readLine()).isEqualTo("MCAST cmd/0 first");
        assertThat(peer.readLine()).isEqualTo("MCAST cmd/1 a");
        assertThat(peer.readLine()).isEqualTo("MCAST cmd/2 b");
        assertThat(peer.readLine()).isEqualTo("MCAST cmd/3 c");
        peer.send("200\n200\n401 cmd/2\n200\n");
        assertThat(before.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(answers.get(0).get(5, TimeUnit.SECONDS)).isNull();
        assertThat(refusal(answers.get(1)).code()).isEqualTo(401);
        assertThat(answers.get(2).get(5, TimeUnit.SECONDS)).isNull();
        // Nothing goes out when one message is invalid.
        assertThatThrownBy(() -> client.mcastAllAsync(List.of(new SsmpClient.Multicast("cmd/4", ascii("d")),
                new SsmpClient.Multicast("bad topic", ascii("e"))))).isInstanceOf(IllegalArgumentException.class);
        CompletableFuture<Void> after = client.mcastAsync("cmd/5", ascii("last"));
        assertThat(peer.readLine()).isEqualTo("MCAST cmd/5 last");
        peer.send("200\n");
        assertThat(after.get(5, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void blockingFormsReturnOn200AndThrowTheCodeOtherwise() throws Exception {
        Peer peer = connect(builder());
        Future<?> script = threads.submit(() -> {
            assertThat(peer.readLine()).isEqualTo("SUBSCRIBE store/1 PRESENCE");
            peer.send("200\n");
            assertThat(peer.readLine()).isEqualTo("SUBSCRIBE store/1 PRESENCE");
            peer.send("409\n");
            assertThat(peer.readLine()).isEqualTo("UCAST someone x");
            peer.send("501\n");
            return null;
        });

        client.subscribe("store/1", true);
        assertThatThrownBy(() -> client.subscribe("store/1", true))
                .isInstanceOfSatisfying(SsmpException.class, e -> assertThat(e.code()).isEqualTo(409))
                .hasMessageContaining("SUBSCRIBE store/1 answered 409");
        assertThatThrownBy(() -> client.ucast("someone", ascii("x")))
                .isInstanceOfSatisfying(SsmpException.class, e -> assertThat(e.code()).isEqualTo(501));
        script.get(5, TimeUnit.SECONDS);
        assertThat(client.subscriptions()).containsExactly("store/1");
    }

    @Test
    void aBinaryPayloadGoesOutLengthPrefixed() throws Exception {
        Peer peer = connect(builder());
        byte[] payload = {1, '\n', 'x'};
        CompletableFuture<Void> ucast = client.ucastAsync("peer", payload);
        assertThat(peer.readBytes(16)).isEqualTo(concat(ascii("UCAST peer "), new byte[] {0, 2}, payload));
        assertThat(peer.readBytes(1)).isEqualTo(ascii("\n"));
        peer.send("200\n");
        assertThat(ucast.get(5, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void aRequestWithoutAnswerTimesOutAsATransportFailure() throws Exception {
        Peer peer = connect(builder().requestTimeout(Duration.ofMillis(200)));
        assertThatThrownBy(() -> client.mcast("t", ascii("x")))
                .isInstanceOf(SsmpTransportException.class).hasMessageContaining("no answer to MCAST t");
        assertThat(peer.readLine()).isEqualTo("MCAST t x");
    }

    @Test
    void invalidArgumentsAreRefusedBeforeAnythingIsSent() throws Exception {
        Peer peer = connect(builder());
        assertThatThrownBy(() -> client.ucast("not an id", ascii("x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.mcastAsync("t", new byte[1025])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.subscribe("", false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.bcast(new byte[0])).isInstanceOf(IllegalArgumentException.class);

        CompletableFuture<Duration> ping = client.pingAsync();
        assertThat(peer.readLine()).as("the first thing sent after LOGIN").isEqualTo("PING");
        assertThat(ping).isNotDone();
        peer.send("000 . PONG\n");
        assertThat(ping.get(5, TimeUnit.SECONDS)).isPositive();
    }

    @Test
    void theServersPingIsAnsweredWithPong() throws Exception {
        Peer peer = connect(builder());
        peer.send("000 . PING\n");
        assertThat(peer.readLine()).isEqualTo("PONG");
        peer.send("000 . PING\n");
        assertThat(peer.readLine()).isEqualTo("PONG");
        assertThat(heard.nextWithin(Duration.ZERO)).as("PING is handled by the client, not the listener").isNull();
    }

    @Test
    void eventsReachTheListenerInOrder() throws Exception {
        Peer peer = connect(builder());
        peer.send(concat(
                ascii("000 alice UCAST dev1 sig:z aGk=\n"),
                ascii("000 bob MCAST store/1 "), new byte[] {0, 2, 'a', '\n', 'b'}, ascii("\n"),
                ascii("000 carol SUBSCRIBE store/1\n"),
                ascii("000 future FROBNICATE x y\n"),
                ascii("000 carol BCAST gone\n"),
                ascii("000 carol UNSUBSCRIBE store/1\n")));
        assertThat(heard.next()).isEqualTo("unicast from alice: sig:z aGk=");
        assertThat(heard.next()).isEqualTo("multicast from bob to store/1: a\nb");
        assertThat(heard.next()).isEqualTo("carol subscribed store/1");
        assertThat(heard.next()).as("an unknown verb is skipped").isEqualTo("broadcast from carol: gone");
        assertThat(heard.next()).isEqualTo("carol unsubscribed store/1");
        assertThat(client.isConnected()).isTrue();
    }

    @Test
    void aBlockingRequestFromTheListenerIsRefusedInsteadOfDeadlocking() throws Exception {
        CompletableFuture<Throwable> fromListener = new CompletableFuture<>();
        SsmpListener listener = new SsmpListener() {
            @Override
            public void onUnicast(String from, byte[] payload) {
                try {
                    client.ping();
                    fromListener.complete(null);
                } catch (RuntimeException e) {
                    fromListener.complete(e);
                }
            }
        };
        client = builder().listener(listener).build();
        Future<?> connecting = threads.submit(() -> {
            client.connect();
            return null;
        });
        Peer peer = server.accept().login(LOGIN);
        connecting.get(5, TimeUnit.SECONDS);
        peer.send("000 alice UCAST dev1 hi\n");
        assertThat(fromListener.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void afterADropItLogsInAgainAndAsksForEveryTopicItHeld() throws Exception {
        Peer first = connect(builder());
        List<CompletableFuture<Void>> subscribing = List.of(
                client.subscribeAsync("store/a", true),
                client.subscribeAsync("cmd/dev1", false),
                client.subscribeAsync("acl/x", false),
                client.subscribeAsync("store/d", false));
        for (int i = 0; i < subscribing.size(); i++) {
            first.readLine();
        }
        first.send("200\n200\n401\n200\n");
        CompletableFuture.allOf(subscribing.get(0), subscribing.get(1), subscribing.get(3)).get(5, TimeUnit.SECONDS);
        CompletableFuture<Void> unsubscribe = client.unsubscribeAsync("store/d");
        assertThat(first.readLine()).isEqualTo("UNSUBSCRIBE store/d");
        first.send("200\n");
        unsubscribe.get(5, TimeUnit.SECONDS);
        assertThat(client.subscriptions()).containsExactly("store/a", "cmd/dev1");

        CompletableFuture<Void> unanswered = client.ucastAsync("peer", ascii("x"));
        assertThat(first.readLine()).isEqualTo("UCAST peer x");
        first.close();
        assertThat(failure(unanswered)).isInstanceOf(SsmpTransportException.class).hasMessageContaining("ended before the answer");
        assertThat(heard.next()).isEqualTo("disconnected (lost), reconnecting");
        assertThat(client.isConnected()).isFalse();
        assertThat(failure(client.ucastAsync("peer", ascii("y")))).as("no queueing while disconnected")
                .isInstanceOf(SsmpTransportException.class).hasMessageContaining("not connected");

        Peer second = server.accept().login(LOGIN);
        assertThat(second.readLine()).isEqualTo("SUBSCRIBE store/a PRESENCE");
        assertThat(second.readLine()).isEqualTo("SUBSCRIBE cmd/dev1");
        assertThat(heard.next()).isEqualTo("connected");
        second.send("200\n401 cmd/dev1\n000 carol SUBSCRIBE store/a\n");
        assertThat(heard.next()).isEqualTo("lost cmd/dev1: 401");
        assertThat(heard.next()).isEqualTo("carol subscribed store/a");
        assertThat(client.subscriptions()).containsExactly("store/a");

        CompletableFuture<Void> again = client.ucastAsync("peer", ascii("again"));
        assertThat(second.readLine()).isEqualTo("UCAST peer again");
        second.send("200\n");
        assertThat(again.get(5, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void reconnectDelaysGrowWhileAttemptsFailAndStartOverAfterALogin() throws Exception {
        Peer first = connect(builder());
        long dropped = System.nanoTime();
        first.close();
        List<Long> attempts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Peer failed = server.accept();
            attempts.add(failed.acceptedNanos);
            failed.close();
        }
        Peer fourth = server.accept().login(LOGIN);
        attempts.add(fourth.acceptedNanos);
        assertThat(heard.next()).isEqualTo("disconnected (lost), reconnecting");
        assertThat(heard.next()).isEqualTo("connected");

        // Delays are drawn from [50, 100], [100, 200], [200, 400], [400, 800] ms. Lower bounds hold
        // however slow the machine is; the one upper bound is generous.
        assertThat(millisBetween(dropped, attempts.get(0))).isLessThan(QUICKLY.toMillis());
        assertThat(millisBetween(attempts.get(0), attempts.get(1))).isGreaterThanOrEqualTo(100);
        assertThat(millisBetween(attempts.get(1), attempts.get(2))).isGreaterThanOrEqualTo(200);
        assertThat(millisBetween(attempts.get(2), attempts.get(3))).isGreaterThanOrEqualTo(400);

        long droppedAgain = System.nanoTime();
        fourth.close();
        Peer afterReset = server.accept();
        // Without the reset the next delay would be at least 800 ms.
        assertThat(millisBetween(droppedAgain, afterReset.acceptedNanos)).isLessThan(QUICKLY.toMillis());
        afterReset.login(LOGIN);
    }

    private static long millisBetween(long startNanos, long endNanos) {
        return TimeUnit.NANOSECONDS.toMillis(endNanos - startNanos);
    }

    @Test
    void aRefusedFirstLoginFailsConnectAndIsNotRetried() throws Exception {
        client = builder().build();
        Future<?> connecting = threads.submit(() -> {
            client.connect();
            return null;
        });
        Peer peer = server.accept();
        assertThat(peer.readLine()).isEqualTo(LOGIN);
        peer.send("401 cert secret\n");
        ExecutionException thrown = org.assertj.core.api.Assertions.catchThrowableOfType(ExecutionException.class,
                () -> connecting.get(5, TimeUnit.SECONDS));
        assertThat(thrown).isNotNull();
        assertThat(thrown.getCause()).isInstanceOfSatisfying(SsmpException.class, e -> {
            assertThat(e.code()).isEqualTo(401);
            assertThat(e.payloadText()).isEqualTo("cert secret");
        });
        assertThat(server.acceptWithin(QUICKLY)).isNull();
        assertThat(client.isConnected()).isFalse();
    }

    @Test
    void aRefusedLoginAfterADropStopsReconnectingAndIsReported() throws Exception {
        connect(builder()).close();
        assertThat(heard.next()).isEqualTo("disconnected (lost), reconnecting");
        Peer second = server.accept();
        assertThat(second.readLine()).isEqualTo(LOGIN);
        second.send("401 cert\n");
        assertThat(heard.next()).isEqualTo("disconnected (refused 401 cert), stopped");
        assertThat(server.acceptWithin(Duration.ofMillis(500))).as("no further attempt").isNull();
    }

    @Test
    void withoutReconnectADropIsFinal() throws Exception {
        connect(builder().reconnect(false)).close();
        assertThat(heard.next()).isEqualTo("disconnected (lost), stopped");
        assertThat(server.acceptWithin(QUICKLY)).isNull();
    }

    @Test
    void closeSendsCloseWaitsForItsAnswerAndStopsReconnecting() throws Exception {
        Peer peer = connect(builder());
        Future<?> closing = threads.submit(() -> client.close());
        assertThat(peer.readLine()).isEqualTo("CLOSE");
        peer.send("200\n");
        closing.get(5, TimeUnit.SECONDS);
        assertThat(peer.clientClosed()).isTrue();
        assertThat(heard.next()).isEqualTo("disconnected (closed), stopped");
        assertThat(server.acceptWithin(QUICKLY)).isNull();
        assertThat(client.isConnected()).isFalse();
        assertThat(failure(client.ucastAsync("peer", ascii("x")))).isInstanceOf(SsmpTransportException.class)
                .hasMessageContaining("closed");
        client.close();
    }

    @Test
    void closeDoesNotWaitLongForAServerThatNeverAnswers() throws Exception {
        Peer peer = connect(builder().closeTimeout(Duration.ofMillis(300)));
        long start = System.nanoTime();
        client.close();
        assertThat(millisBetween(start, System.nanoTime())).isBetween(300L, 3000L);
        assertThat(peer.readLine()).isEqualTo("CLOSE");
        assertThat(peer.clientClosed()).isTrue();
    }

    @Test
    void connectFailsWhenNothingListens() throws Exception {
        int port = server.port();
        server.close();
        client = SsmpClient.builder("127.0.0.1", port).plaintext().login("dev1", "open", null).listener(heard).build();
        assertThatThrownBy(client::connect).isInstanceOf(java.net.ConnectException.class);
        assertThat(heard.nextWithin(Duration.ZERO)).isNull();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
