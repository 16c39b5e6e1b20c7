package dev.aero.client.ssmp;

import dev.aero.common.ssmp.SsmpVerb;
import dev.aero.common.ssmp.SsmpMessageReader;
import dev.aero.common.ssmp.SsmpLines;
import dev.aero.common.ssmp.SsmpCode;
import dev.aero.common.ssmp.SsmpMessage;
import dev.aero.common.ssmp.SsmpProtocolException;
import dev.aero.common.concurrent.Backoff;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A client of an SSMP server (verkehr): one long-lived TLS connection, logged in as one id, that
 * sends unicast, multicast and broadcast, holds topic subscriptions and hears events through an
 * {@link SsmpListener}.
 *
 * <pre>
 * try (SsmpClient push = SsmpClient.builder("push.example", 29438)
 *         .sslContext(keys.sslContext(certificatePem, caPem))
 *         .login(did.hex(), SsmpSyntax.SCHEME_CERT, null)
 *         .listener(listener)
 *         .build()) {
 *     push.connect();
 *     push.subscribe("cmd/" + did.hex(), false);
 *     push.ucast(peer, "sig:z ...".getBytes(UTF_8));
 * }
 * </pre>
 *
 * Answers come in request order, so each request waits in a FIFO for the next answer. Every
 * request has a blocking form, which throws {@link SsmpException} for a code other than 200 and
 * {@link SsmpTransportException} when no answer came, and an {@code ...Async} form whose future
 * fails with the same. Ids, topics and payloads are checked before anything is sent
 * ({@link IllegalArgumentException}).
 *
 * <p>One reader thread per client decodes the server's lines, answers its PINGs and calls the
 * listener; writes are serialized by a lock. When a logged-in connection drops, the client
 * reconnects after 100 ms, doubling up to 60 s (with jitter; reset by a successful login), logs
 * in again and asks again for every topic it held, with the same PRESENCE flag. Requests made
 * while it is disconnected fail at once rather than wait: delivery is at most once anyway. A
 * refused LOGIN (e.g. 401) is final. Thread-safe.
 */
public final class SsmpClient implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(SsmpClient.class.getName());

    private final String host;
    private final int port;
    private final SSLContext sslContext;
    private final boolean verifyHostname;
    private final String id;
    private final byte[] loginLine;
    private final SsmpListener listener;
    private final boolean reconnect;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Duration idleTimeout;
    private final Duration closeTimeout;
    private final Duration backoffInitial;
    private final Duration backoffMax;
    private final boolean platformReader;

    private final ReentrantLock writeLock = new ReentrantLock();
    /** Topics to ask for again after a reconnect, with their PRESENCE flag, in the order first subscribed. */
    private final Map<String, Boolean> subscriptions = Collections.synchronizedMap(new LinkedHashMap<>());
    private final CompletableFuture<Void> firstLogin = new CompletableFuture<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Counted down by close(): wakes the reader out of a backoff pause. */
    private final CountDownLatch closing = new CountDownLatch(1);
    /** The logged-in connection, or null; changed only under writeLock. */
    private volatile Connection current;
    /** The socket of a connection attempt in progress, so close() can cut it short. */
    private volatile Socket opening;
    private volatile Thread reader;

    private SsmpClient(Builder builder) {
        this.host = builder.host;
        this.port = builder.port;
        this.sslContext = builder.plaintext ? null : builder.sslContext;
        this.verifyHostname = builder.verifyHostname;
        this.id = builder.id;
        this.loginLine = SsmpLines.login(builder.id, builder.scheme, builder.credential);
        this.listener = builder.listener;
        this.reconnect = builder.reconnect;
        this.connectTimeout = builder.connectTimeout;
        this.requestTimeout = builder.requestTimeout;
        this.idleTimeout = builder.idleTimeout;
        this.closeTimeout = builder.closeTimeout;
        this.backoffInitial = builder.backoffInitial;
        this.backoffMax = builder.backoffMax;
        this.platformReader = builder.platformReader;
    }

    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    /** The id this client logs in as. */
    public String id() {
        return id;
    }

    /** Whether a connection is logged in right now. */
    public boolean isConnected() {
        return current != null;
    }

    /** The topics this client holds and asks for again after a reconnect, in the order first subscribed. */
    public Set<String> subscriptions() {
        synchronized (subscriptions) {
            return Collections.unmodifiableSet(new LinkedHashSet<>(subscriptions.keySet()));
        }
    }

    /**
     * Connects and logs in, waiting for the answer to LOGIN. Called once per client. If this first
     * attempt fails the client stops (no retry) and this throws; later drops are reconnected.
     *
     * @throws SsmpException if the server refused LOGIN, e.g. 401 with the supported schemes
     * @throws IOException if the connection, the TLS handshake or the exchange failed
     */
    public void connect() throws IOException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("connect() is called once per client");
        }
        if (closed.get()) {
            throw new IllegalStateException("the client is closed");
        }
        Thread.Builder threads = platformReader ? Thread.ofPlatform().daemon() : Thread.ofVirtual();
        Thread thread = threads.name("ssmp-reader-" + id).unstarted(this::run);
        reader = thread;
        thread.start();
        try {
            firstLogin.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new InterruptedIOException("interrupted while connecting to " + host + ":" + port);
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e);
            if (cause instanceof IOException io) {
                throw io;
            }
            throw asUnchecked(cause);
        }
    }

    // --- requests

    /** {@code SUBSCRIBE <topic> [PRESENCE]}; once answered 200, the topic is asked for again after every reconnect. */
    public void subscribe(String topic, boolean presence) {
        await(() -> subscribeAsync(topic, presence), "SUBSCRIBE " + topic);
    }

    public CompletableFuture<Void> subscribeAsync(String topic, boolean presence) {
        byte[] line = SsmpLines.subscribe(topic, presence);
        return request(line, "SUBSCRIBE " + topic).thenRun(() -> subscriptions.put(topic, presence));
    }

    /** {@code UNSUBSCRIBE <topic>}; the topic is no longer asked for after a reconnect, even if this fails. */
    public void unsubscribe(String topic) {
        await(() -> unsubscribeAsync(topic), "UNSUBSCRIBE " + topic);
    }

    public CompletableFuture<Void> unsubscribeAsync(String topic) {
        byte[] line = SsmpLines.unsubscribe(topic);
        subscriptions.remove(topic);
        return request(line, "UNSUBSCRIBE " + topic);
    }

    /** {@code UCAST <id> <payload>}; 404 if {@code id} has no connection. */
    public void ucast(String to, byte[] payload) {
        await(() -> ucastAsync(to, payload), "UCAST " + to);
    }

    public CompletableFuture<Void> ucastAsync(String to, byte[] payload) {
        return request(SsmpLines.ucast(to, payload), "UCAST " + to);
    }

    /** {@code MCAST <topic> <payload>}: to every subscriber of {@code topic} but this client. */
    public void mcast(String topic, byte[] payload) {
        await(() -> mcastAsync(topic, payload), "MCAST " + topic);
    }

    public CompletableFuture<Void> mcastAsync(String topic, byte[] payload) {
        return request(SsmpLines.mcast(topic, payload), "MCAST " + topic);
    }

    /** One MCAST of {@link #mcastAllAsync}. */
    public record Multicast(String topic, byte[] payload) { }

    /**
     * Many {@code MCAST}s, pipelined: the lines go out together, in one write (so a few TLS
     * records and system calls instead of one per line), and each gets its own answer, as
     * {@link #mcastAsync} would. Every message is checked before anything is sent.
     */
    public List<CompletableFuture<Void>> mcastAllAsync(List<Multicast> messages) {
        java.io.ByteArrayOutputStream lines = new java.io.ByteArrayOutputStream(messages.size() * 128);
        for (Multicast m : messages) {
            lines.writeBytes(SsmpLines.mcast(m.topic(), m.payload()));
        }
        List<CompletableFuture<Void>> answers = new java.util.ArrayList<>(messages.size());
        writeLock.lock();
        try {
            Connection connection = current;
            if (connection == null || closed.get()) {
                for (Multicast m : messages) {
                    answers.add(CompletableFuture.failedFuture(notConnected("MCAST " + m.topic())));
                }
                return answers;
            }
            for (Multicast m : messages) {
                CompletableFuture<Void> answer = new CompletableFuture<>();
                connection.unanswered.add(new PendingRequest("MCAST " + m.topic(), answer));
                answers.add(answer);
            }
            write(connection, lines.toByteArray());
            return answers;
        } finally {
            writeLock.unlock();
        }
    }

    /** {@code BCAST <payload>}: once to every peer sharing a topic with this client. */
    public void bcast(byte[] payload) {
        await(() -> bcastAsync(payload), SsmpVerb.BCAST.name());
    }

    public CompletableFuture<Void> bcastAsync(byte[] payload) {
        return request(SsmpLines.bcast(payload), SsmpVerb.BCAST.name());
    }

    /** Sends PING and waits for the server's PONG event; returns the round trip. */
    public Duration ping() {
        return await(this::pingAsync, SsmpVerb.PING.name());
    }

    public CompletableFuture<Duration> pingAsync() {
        CompletableFuture<Duration> pong = new CompletableFuture<>();
        writeLock.lock();
        try {
            Connection connection = current;
            if (connection == null || closed.get()) {
                pong.completeExceptionally(notConnected(SsmpVerb.PING.name()));
                return pong;
            }
            // The server answers PING with an event, not a code, so pings wait in their own FIFO.
            connection.pings.add(new PendingPing(System.nanoTime(), pong));
            write(connection, SsmpLines.ping());
        } finally {
            writeLock.unlock();
        }
        return pong;
    }

    /**
     * Sends CLOSE, waits briefly for its 200, closes the connection and stops reconnecting. The
     * listener hears {@code onDisconnected(null, false)} if a connection was logged in. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing.countDown();
        boolean onReader = Thread.currentThread() == reader;
        CompletableFuture<Void> bye = null;
        writeLock.lock();
        try {
            Connection connection = current;
            if (connection != null) {
                bye = send(connection, SsmpLines.close(), SsmpVerb.CLOSE.name());
            }
        } finally {
            writeLock.unlock();
        }
        boolean interrupted = false;
        if (bye != null && !onReader) {
            try {
                bye.get(closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException | TimeoutException e) {
                // Nothing to do: the socket is closed next either way.
            }
        }
        Connection connection = current;
        if (connection != null) {
            connection.abort();
        }
        closeQuietly(opening);
        Thread thread = reader;
        if (thread != null && !onReader && !interrupted) {
            try {
                thread.join(closeTimeout);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private CompletableFuture<Void> request(byte[] line, String what) {
        writeLock.lock();
        try {
            Connection connection = current;
            if (connection == null || closed.get()) {
                return CompletableFuture.failedFuture(notConnected(what));
            }
            return send(connection, line, what);
        } finally {
            writeLock.unlock();
        }
    }

    /** Queues the answer, then writes: both under writeLock, so the FIFO's order is the wire's. */
    private CompletableFuture<Void> send(Connection connection, byte[] line, String what) {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        connection.unanswered.add(new PendingRequest(what, answer));
        write(connection, line);
        return answer;
    }

    /** With writeLock held. A failed write closes the socket; the reader then fails what is unanswered. */
    private static void write(Connection connection, byte[] line) {
        try {
            connection.out.write(line);
            connection.out.flush();
        } catch (IOException e) {
            connection.abort();
        }
    }

    private <T> T await(Supplier<CompletableFuture<T>> request, String what) {
        if (Thread.currentThread() == reader) {
            throw new IllegalStateException("a blocking " + what + " from the listener would wait for its own reader thread;"
                    + " use the async form");
        }
        try {
            return request.get().get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw asUnchecked(unwrap(e));
        } catch (TimeoutException e) {
            throw new SsmpTransportException("no answer to " + what + " within " + requestTimeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SsmpTransportException("interrupted waiting for the answer to " + what, e);
        }
    }

    private SsmpTransportException notConnected(String what) {
        return new SsmpTransportException(what + " not sent: " + (closed.get() ? "the client is closed" : "not connected to " + host + ":" + port), null);
    }

    private static Throwable unwrap(Throwable failure) {
        while ((failure instanceof ExecutionException || failure instanceof CompletionException) && failure.getCause() != null) {
            failure = failure.getCause();
        }
        return failure;
    }

    private static RuntimeException asUnchecked(Throwable failure) {
        if (failure instanceof RuntimeException runtime) {
            return runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        return new SsmpTransportException(failure.getMessage(), failure);
    }

    // --- the reader thread: connect, log in, read until the connection ends, reconnect

    private void run() {
        Backoff backoff = Backoff.withEqualJitter(backoffInitial, backoffMax, ThreadLocalRandom.current());
        try {
            while (!closed.get()) {
                Connection connection;
                try {
                    connection = open();
                } catch (SsmpException refused) {
                    // The server answered LOGIN on purpose (401: credentials refused); asking again would
                    // only be refused again, so give up instead of hammering it.
                    if (!firstLogin.completeExceptionally(refused)) {
                        notify(l -> l.onDisconnected(refused, false));
                    }
                    return;
                } catch (IOException | RuntimeException e) {
                    // The first attempt's failure belongs to the caller of connect(), who decides what next.
                    if (firstLogin.completeExceptionally(e) || !pause(backoff.next())) {
                        return;
                    }
                    continue;
                }
                if (!install(connection)) {
                    connection.abort();
                    return;
                }
                backoff.reset();
                notify(SsmpListener::onConnected);
                firstLogin.complete(null);
                Exception cause = readUntilEnd(connection);
                teardown(connection, cause);
                boolean reconnecting = reconnect && !closed.get();
                Exception reported = closed.get() ? null : cause;
                notify(l -> l.onDisconnected(reported, reconnecting));
                if (!reconnecting || !pause(backoff.next())) {
                    return;
                }
            }
        } finally {
            firstLogin.completeExceptionally(new SsmpTransportException("closed before logging in to " + host + ":" + port, null));
        }
    }

    /** Connects, shakes hands and logs in, each step bounded by the connect timeout. */
    private Connection open() throws IOException {
        Socket socket = new Socket();
        opening = socket;
        try {
            if (closed.get()) {
                throw new SocketException("the client is closed");
            }
            int timeout = (int) connectTimeout.toMillis();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), timeout);
            socket.setSoTimeout(timeout);
            if (sslContext != null) {
                // Layering keeps the connect timeout; passing host sends it as SNI (unless it is an IP literal).
                SSLSocket tls = (SSLSocket) sslContext.getSocketFactory().createSocket(socket, host, port, true);
                socket = tls;
                opening = tls;
                if (verifyHostname) {
                    SSLParameters parameters = tls.getSSLParameters();
                    parameters.setEndpointIdentificationAlgorithm("HTTPS");
                    tls.setSSLParameters(parameters);
                }
                tls.startHandshake();
            }
            Connection connection = new Connection(socket);
            connection.out.write(loginLine);
            connection.out.flush();
            SsmpMessage answer = connection.in.next();
            if (answer == null) {
                throw new EOFException("the server closed the connection before answering LOGIN");
            }
            if (!(answer instanceof SsmpMessage.Response response)) {
                throw new SsmpProtocolException("expected the answer to LOGIN, got " + answer);
            }
            if (response.code() != SsmpCode.OK) {
                throw new SsmpException(response.code(), response.payload(), "LOGIN " + id);
            }
            socket.setSoTimeout((int) idleTimeout.toMillis());
            return connection;
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            throw e;
        } finally {
            opening = null;
        }
    }

    /** Makes a logged-in connection current and asks again for every topic held, before any caller's request. */
    private boolean install(Connection connection) {
        List<Map.Entry<String, Boolean>> held;
        synchronized (subscriptions) {
            held = subscriptions.entrySet().stream().map(e -> Map.entry(e.getKey(), e.getValue())).toList();
        }
        writeLock.lock();
        try {
            if (closed.get()) {
                return false;
            }
            current = connection;
            for (Map.Entry<String, Boolean> topic : held) {
                send(connection, SsmpLines.subscribe(topic.getKey(), topic.getValue()), "SUBSCRIBE " + topic.getKey())
                        .whenComplete((ok, failure) -> {
                            // 409 means it is held already, which is what was asked for.
                            if (unwrap(failure) instanceof SsmpException refused && refused.code() != SsmpCode.CONFLICT) {
                                subscriptions.remove(topic.getKey(), topic.getValue());
                                notify(l -> l.onSubscriptionLost(topic.getKey(), refused));
                            }
                        });
            }
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    /** Reads and dispatches until the connection ends; returns why it ended. */
    private Exception readUntilEnd(Connection connection) {
        try {
            while (true) {
                SsmpMessage message = connection.in.next();
                if (message == null) {
                    return new EOFException("the server closed the connection");
                }
                dispatch(connection, message);
            }
        } catch (IOException | RuntimeException e) {
            return e;
        }
    }

    private void dispatch(Connection connection, SsmpMessage message) throws SsmpProtocolException {
        switch (message) {
            case SsmpMessage.Response response -> answer(connection, response);
            case SsmpMessage.Ping ping -> {
                writeLock.lock();
                try {
                    write(connection, SsmpLines.pong());
                } finally {
                    writeLock.unlock();
                }
            }
            case SsmpMessage.Pong pong -> {
                PendingPing ping = connection.pings.poll();
                if (ping != null) {
                    ping.answer().complete(Duration.ofNanos(System.nanoTime() - ping.sentNanos()));
                }
            }
            case SsmpMessage.Unicast unicast -> notify(l -> l.onUnicast(unicast.from(), unicast.payload()));
            case SsmpMessage.Multicast multicast -> notify(l -> l.onMulticast(multicast.from(), multicast.topic(), multicast.payload()));
            case SsmpMessage.Broadcast broadcast -> notify(l -> l.onBroadcast(broadcast.from(), broadcast.payload()));
            case SsmpMessage.Subscribed subscribed -> notify(l -> l.onPeerSubscribed(subscribed.from(), subscribed.topic()));
            case SsmpMessage.Unsubscribed unsubscribed -> notify(l -> l.onPeerUnsubscribed(unsubscribed.from(), unsubscribed.topic()));
            // A newer server's events mean nothing to this client; skipping them keeps it compatible.
            case SsmpMessage.Unknown unknown -> LOG.log(System.Logger.Level.DEBUG, "ignoring SSMP event {0} from {1}", unknown.verb(), unknown.from());
        }
    }

    private void answer(Connection connection, SsmpMessage.Response response) throws SsmpProtocolException {
        PendingRequest request = connection.unanswered.poll();
        if (request == null) {
            throw new SsmpProtocolException("an answer (" + response.code() + ") to no request");
        }
        if (response.code() == SsmpCode.OK) {
            request.answer().complete(null);
        } else {
            request.answer().completeExceptionally(new SsmpException(response.code(), response.payload(), request.what()));
        }
    }

    private void teardown(Connection connection, Exception cause) {
        connection.abort();
        writeLock.lock();
        try {
            if (current == connection) {
                current = null;
            }
        } finally {
            writeLock.unlock();
        }
        // Nothing can be queued on this connection any more: requests queue only on the current one.
        SsmpTransportException lost = new SsmpTransportException("the connection to " + host + ":" + port + " ended before the answer", cause);
        for (PendingRequest request; (request = connection.unanswered.poll()) != null; ) {
            request.answer().completeExceptionally(lost);
        }
        for (PendingPing ping; (ping = connection.pings.poll()) != null; ) {
            ping.answer().completeExceptionally(lost);
        }
    }

    /** Waits out a backoff delay; false if the client was closed (or the thread interrupted) meanwhile. */
    private boolean pause(Duration delay) {
        try {
            return !closing.await(delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return false;
        }
    }

    private void notify(Consumer<SsmpListener> event) {
        try {
            event.accept(listener);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the SSMP listener of " + id + " failed", e);
        }
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // Closing is all that was wanted; a failure to say goodbye changes nothing.
            }
        }
    }

    /** One logged-in socket and what waits for its answers. */
    private static final class Connection {
        final Socket socket;
        final OutputStream out;
        final SsmpMessageReader in;
        final Queue<PendingRequest> unanswered = new ConcurrentLinkedQueue<>();
        final Queue<PendingPing> pings = new ConcurrentLinkedQueue<>();

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            this.in = new SsmpMessageReader(socket.getInputStream());
        }

        void abort() {
            closeQuietly(socket);
        }
    }

    private record PendingRequest(String what, CompletableFuture<Void> answer) {
    }

    private record PendingPing(long sentNanos, CompletableFuture<Duration> answer) {
    }

    /** Settings for one client; the defaults suit a device holding its push connection. */
    public static final class Builder {

        private final String host;
        private final int port;
        private SSLContext sslContext;
        private boolean plaintext;
        private boolean verifyHostname = true;
        private String id;
        private String scheme;
        private String credential;
        private SsmpListener listener = new SsmpListener() {
        };
        private boolean reconnect = true;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(10);
        // The server PINGs after 30 s without a request, so a live connection is never silent this long.
        private Duration idleTimeout = Duration.ofSeconds(90);
        private Duration closeTimeout = Duration.ofSeconds(1);
        private Duration backoffInitial = Duration.ofMillis(100);
        private Duration backoffMax = Duration.ofSeconds(60);
        private boolean platformReader;

        private Builder(String host, int port) {
            this.host = Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
        }

        /** The TLS context: a device's comes from {@code DeviceKeys.sslContext(certificatePem, caPem)}. Required. */
        public Builder sslContext(SSLContext context) {
            this.sslContext = Objects.requireNonNull(context, "context");
            return this;
        }

        /** Whether the server's certificate must name the host (HTTPS rules); on by default. */
        public Builder verifyHostname(boolean verify) {
            this.verifyHostname = verify;
            return this;
        }

        /**
         * {@code LOGIN <id> <scheme> [<credential>]}: scheme {@code cert} (the TLS client certificate
         * vouches; credential null), {@code secret} (credential = the deployment secret) or
         * {@code open} (development only; credential null). Required.
         */
        public Builder login(String id, String scheme, String credential) {
            SsmpLines.login(id, scheme, credential);
            this.id = id;
            this.scheme = scheme;
            this.credential = credential;
            return this;
        }

        public Builder listener(SsmpListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Whether to reconnect after a logged-in connection drops; on by default. */
        public Builder reconnect(boolean reconnect) {
            this.reconnect = reconnect;
            return this;
        }

        /** Bounds each of: the TCP connect, the TLS handshake, the answer to LOGIN. Default 10 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** How long a blocking request waits for its answer. Default 10 s. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /** A connection that hears nothing for this long is taken for dead and reconnected. Default 90 s. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        /** How long close() waits for the server's 200 to CLOSE, then for the reader thread to finish. Default 1 s. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = positive(timeout, "closeTimeout");
            return this;
        }

        /** Reconnect delays: from {@code initial}, doubling up to {@code max}. Default 100 ms to 60 s. */
        public Builder backoff(Duration initial, Duration max) {
            positive(initial, "initial backoff");
            if (positive(max, "maximum backoff").compareTo(initial) < 0) {
                throw new IllegalArgumentException("the maximum backoff " + max + " is under the initial " + initial);
            }
            this.backoffInitial = initial;
            this.backoffMax = max;
            return this;
        }

        /**
         * Reads on a platform (daemon) thread instead of a virtual one. A virtual thread's blocking
         * read goes through the JDK's poller and a carrier thread, a few more thread wake-ups per
         * answer; a client that sends many requests on one connection (a service pushing to
         * verkehr) spends less CPU with a thread of its own. Default: virtual.
         */
        public Builder platformReader(boolean platform) {
            this.platformReader = platform;
            return this;
        }

        /** For tests in this package only: SSMP over plain TCP. Verkehr itself speaks only TLS. */
        Builder plaintext() {
            this.plaintext = true;
            return this;
        }

        public SsmpClient build() {
            if (id == null) {
                throw new IllegalStateException("login(id, scheme, credential) is required");
            }
            if (sslContext == null && !plaintext) {
                throw new IllegalStateException("sslContext(...) is required: SSMP runs over TLS");
            }
            return new SsmpClient(this);
        }

        private static Duration positive(Duration duration, String name) {
            if (duration.isNegative() || duration.isZero() || duration.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + " must be positive and under 24 days, got " + duration);
            }
            return duration;
        }
    }
}
