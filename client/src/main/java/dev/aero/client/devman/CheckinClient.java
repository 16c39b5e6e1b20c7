package dev.aero.client.devman;

import dev.aero.common.concurrent.Backoff;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A device's check-in with devman ({@code POST /v1/checkin} on devman's device HTTPS listener,
 * port 8702, with the device's certificate): once with {@link #checkin()}, or every interval the
 * server asks for (60 s) with {@link #start(Consumer)}.
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

    private final URI endpoint;
    private final HttpClient http;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "aero-devman-checkin");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param base devman's device listener, e.g. {@code https://aero.example.com:8702}
     * @param tls the device's mTLS context ({@code DeviceKeys.sslContext})
     */
    public CheckinClient(URI base, SSLContext tls) {
        this.endpoint = base.resolve("/v1/checkin");
        this.http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build();
    }

    public CheckedIn checkin() throws IOException {
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(15)).POST(HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (response.statusCode() != 200) {
            throw new RefusedException(response.statusCode(), response.body());
        }
        JsonNode n = JSON.readTree(response.body());
        return new CheckedIn(Instant.parse(n.path("time").asString()), n.path("ip_address").asString(null),
                Duration.ofSeconds(Math.max(1, n.path("checkin_interval_seconds").asLong(60))));
    }

    /**
     * Checks in now and then every interval devman asks for; after a failure, again after 5 s,
     * doubling up to that interval. Failures go to {@code onFailure}.
     */
    public void start(Consumer<IOException> onFailure) {
        Backoff retries = Backoff.exponential(FIRST_RETRY, LAST_RETRY);
        timer.execute(() -> loop(retries, onFailure));
    }

    private void loop(Backoff retries, Consumer<IOException> onFailure) {
        Duration next;
        try {
            next = checkin().interval();
            retries.reset();
        } catch (IOException e) {
            onFailure.accept(e);
            next = retries.next();
        }
        if (!timer.isShutdown()) {
            timer.schedule(() -> loop(retries, onFailure), next.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
