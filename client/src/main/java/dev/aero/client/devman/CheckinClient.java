package dev.aero.client.devman;

import dev.aero.common.concurrent.Backoff;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A device's check-in with devman ({@code POST /v1/checkin} on devman's device HTTPS listener,
 * port 8702, with the device's certificate): once with {@link #checkin()}, or every interval the
 * server asks for (60 s) with {@link #start(Consumer)}.
 *
 * <p>Check-ins share one HTTP/1.1 connection, kept open between them for as long as devman keeps
 * it (its device listener keeps an idle connection longer than the check-in interval): a TLS
 * handshake costs both sides far more than the check-in itself. A kept connection that devman
 * has closed meanwhile is replaced, and the check-in sent again on the new one, only when nothing
 * at all came back on the old one; a check-in is idempotent either way.
 */
public final class CheckinClient implements AutoCloseable {

    /** What devman recorded; {@code interval} is when it wants the next check-in. */
    public record CheckedIn(Instant time, String ipAddress, Duration interval) { }

    /** devman refused the check-in: {@code status} and the problem's {@code type} slug. */
    public static final class RefusedException extends IOException {
        private final int status;

        RefusedException(int status, String body) {
            super("devman answered " + status + ": " + body);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration FIRST_RETRY = Duration.ofSeconds(5);
    private static final Duration LAST_RETRY = Duration.ofSeconds(60);

    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final int ANSWER_TIMEOUT_MILLIS = 15_000;
    private static final int MAX_ANSWER_BYTES = 64 * 1024;

    private final URI endpoint;
    private final SSLContext tls;
    private final String host;
    private final int port;
    private final String request;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong connections = new AtomicLong();
    private volatile Socket socket;
    private InputStream in;
    private volatile boolean closed;
    /** The thread of {@link #start}, made by it: a client used only for {@link #checkin()} holds no thread. */
    private ScheduledExecutorService timer;

    /**
     * @param base devman's device listener, e.g. {@code https://aero.example.com:8702}
     * @param tls the device's mTLS context ({@code DeviceKeys.sslContext})
     */
    public CheckinClient(URI base, SSLContext tls) {
        if (!"https".equalsIgnoreCase(base.getScheme()) || base.getHost() == null) {
            throw new IllegalArgumentException("devman's device listener is an https:// address with a host: " + base);
        }
        this.endpoint = base.resolve("/v1/checkin");
        this.tls = tls;
        this.host = base.getHost();
        this.port = base.getPort() < 0 ? 443 : base.getPort();
        String hostHeader = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        this.request = "POST " + endpoint.getRawPath() + " HTTP/1.1\r\nHost: " + hostHeader + (base.getPort() < 0 ? "" : ":" + port)
                + "\r\nAccept: application/json\r\nContent-Length: 0\r\n\r\n";
    }

    /** Whether a connection is open for the next check-in. */
    public boolean holdsConnection() {
        return socket != null;
    }

    /** TLS connections opened so far (one for many check-ins while devman keeps it). */
    public long connectionsOpened() {
        return connections.get();
    }

    public CheckedIn checkin() throws IOException {
        Answer answer = exchange();
        if (answer.status() != 200) {
            throw new RefusedException(answer.status(), answer.body());
        }
        JsonNode n = JSON.readTree(answer.body());
        return new CheckedIn(Instant.parse(n.path("time").asString()), n.path("ip_address").asString(null),
                Duration.ofSeconds(Math.max(1, n.path("checkin_interval_seconds").asLong(60))));
    }

    private record Answer(int status, String body) { }

    /** The check-in's request and answer, on the kept connection or a new one. */
    private Answer exchange() throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new IOException("the check-in client is closed");
            }
            boolean reused = socket != null;
            if (!reused) {
                open();
            }
            long[] read = {0};
            try {
                return send(read);
            } catch (IOException e) {
                disconnect();
                // devman closed the kept connection while it was idle: nothing came back at all.
                // A slow answer (a timeout) or a partial one is not retried.
                if (reused && read[0] == 0 && !(e instanceof SocketTimeoutException)) {
                    open();
                    return send(new long[] {0});
                }
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    private Answer send(long[] read) throws IOException {
        try {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return readAnswer(read);
        } catch (RuntimeException e) {
            throw new IOException("devman's answer could not be read: " + e.getMessage(), e);
        }
    }

    private void open() throws IOException {
        Socket plain = new Socket();
        try {
            plain.setTcpNoDelay(true);
            plain.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
            plain.setSoTimeout(ANSWER_TIMEOUT_MILLIS);
            SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, true);
            SSLParameters parameters = secure.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            secure.setSSLParameters(parameters);
            secure.startHandshake();
            socket = secure;
            in = new BufferedInputStream(secure.getInputStream(), 4096);
            connections.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            try {
                plain.close();
            } catch (IOException ignored) {
                // already failing
            }
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }

    private void disconnect() {
        Socket s = socket;
        socket = null;
        in = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing was all that was wanted
            }
        }
    }

    /** An HTTP/1.1 answer: status line, headers, a body by length or in chunks (bounded). */
    private Answer readAnswer(long[] read) throws IOException {
        String status = line(read);
        if (!status.startsWith("HTTP/1.") || status.length() < 12) {
            throw new IOException("not an HTTP answer from devman: " + status);
        }
        int code;
        try {
            code = Integer.parseInt(status.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP answer from devman: " + status);
        }
        long length = -1;
        boolean chunked = false;
        boolean closeAfter = status.startsWith("HTTP/1.0");
        for (String h; !(h = line(read)).isEmpty(); ) {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> closeAfter |= value.toLowerCase(Locale.ROOT).contains("close");
                default -> { }
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(256);
        if (chunked) {
            while (true) {
                String size = line(read);
                int semi = size.indexOf(';');
                int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    while (!line(read).isEmpty()) {
                        // trailers
                    }
                    break;
                }
                bodyBytes(body, n);
                line(read);
            }
        } else if (length >= 0) {
            bodyBytes(body, length);
        } else if (code != 204 && code != 304) {
            // No length: the body runs to the end of the connection.
            for (int c; (c = in.read()) >= 0; ) {
                if (body.size() >= MAX_ANSWER_BYTES) {
                    throw new IOException("devman's answer is over " + MAX_ANSWER_BYTES + " bytes");
                }
                body.write(c);
            }
            closeAfter = true;
        }
        if (closeAfter) {
            disconnect();
        }
        return new Answer(code, body.toString(StandardCharsets.UTF_8));
    }

    private void bodyBytes(ByteArrayOutputStream body, long n) throws IOException {
        if (body.size() + n > MAX_ANSWER_BYTES) {
            throw new IOException("devman's answer is over " + MAX_ANSWER_BYTES + " bytes");
        }
        byte[] bytes = in.readNBytes((int) n);
        if (bytes.length < n) {
            throw new EOFException("devman's answer ended early");
        }
        body.write(bytes);
    }

    private String line(long[] read) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("devman closed the connection" + (read[0] == 0 ? " before answering" : " mid-answer"));
            }
            read[0]++;
            if (c == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            if (sb.length() >= 8192) {
                throw new IOException("a line of devman's answer is over 8,192 bytes");
            }
            sb.append((char) c);
        }
    }

    /**
     * Checks in now and then every interval devman asks for; after a failure, again after 5 s,
     * doubling up to that interval. Failures go to {@code onFailure}.
     */
    public synchronized void start(Consumer<IOException> onFailure) {
        if (closed) {
            throw new IllegalStateException("the check-in client is closed");
        }
        if (timer != null) {
            throw new IllegalStateException("already started");
        }
        ScheduledExecutorService started = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "aero-devman-checkin");
            t.setDaemon(true);
            return t;
        });
        timer = started;
        Backoff retries = Backoff.exponential(FIRST_RETRY, LAST_RETRY);
        started.execute(() -> loop(started, retries, onFailure));
    }

    private void loop(ScheduledExecutorService timer, Backoff retries, Consumer<IOException> onFailure) {
        Duration next;
        try {
            next = checkin().interval();
            retries.reset();
        } catch (IOException e) {
            onFailure.accept(e);
            next = retries.next();
        }
        if (!timer.isShutdown()) {
            timer.schedule(() -> loop(timer, retries, onFailure), next.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (timer != null) {
                timer.shutdownNow();
            }
        }
        // A check-in in progress holds the lock; closing its socket ends it at once.
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing was all that was wanted
            }
        }
        if (lock.tryLock()) {
            try {
                disconnect();
            } finally {
                lock.unlock();
            }
        }
    }
}
