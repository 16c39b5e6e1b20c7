package dev.aero.client.commands;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import javax.net.ssl.SSLContext;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.command.InvalidCommandException;
import dev.aero.common.id.DID;

/**
 * A device's side of its command queue on command-server's device HTTPS listener (port 9021),
 * with the device's certificate: read the head, acknowledge it, or report that it failed.
 */
public final class CommandClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The queue's head: {@code command} is null when the queue is empty. */
    public record Head(Command command, long queueSize) {
        public boolean empty() {
            return command == null;
        }
    }

    /** What an ack did ({@code acked}, {@code stale}, {@code retried}, {@code dead_lettered}) and the next head. */
    public record Acked(String result, Head next) { }

    /**
     * The head is a command this client cannot decode (a command type newer than the client,
     * say); {@link #epoch()} is the head's epoch, so that it can be reported failed.
     */
    public static final class UndecodableCommandException extends IOException {

        private final long epoch;

        UndecodableCommandException(long epoch, String why) {
            super("cannot decode the command of epoch " + epoch + ": " + why);
            this.epoch = epoch;
        }

        public long epoch() {
            return epoch;
        }
    }

    private final URI base;
    private final DID device;
    private final HttpClient http;
    private final Duration timeout;

    /**
     * @param base command-server's device listener, e.g. {@code https://aero.example.com:9021}
     * @param device this device
     * @param tls the device's mTLS context ({@code DeviceKeys.sslContext})
     */
    public CommandClient(URI base, DID device, SSLContext tls) {
        this.base = base;
        this.device = device;
        this.http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build();
        this.timeout = Duration.ofSeconds(15);
    }

    public Head head() throws IOException {
        return head(call(HttpRequest.newBuilder(uri("/head")).GET()));
    }

    public Acked ack(long epoch) throws IOException {
        return acked(call(HttpRequest.newBuilder(uri("/ack")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"epoch\":" + epoch + "}"))));
    }

    /** Reports that the command of {@code epoch} could not be carried out: it is retried later. */
    public Acked fail(long epoch, String error) throws IOException {
        String body = JSON.writeValueAsString(java.util.Map.of("epoch", epoch, "error", error == null || error.isEmpty() ? "failed" : error));
        return acked(call(HttpRequest.newBuilder(uri("/ack")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))));
    }

    private URI uri(String suffix) {
        return base.resolve("/v1/devices/" + device.hex() + suffix);
    }

    private JsonNode call(HttpRequest.Builder request) throws IOException {
        HttpResponse<String> response;
        try {
            response = http.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (response.statusCode() != 200) {
            throw new IOException("command-server answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private static Head head(JsonNode n) throws UndecodableCommandException {
        String payload = n.path("command").isString() ? n.path("command").asString() : null;
        if (payload == null) {
            return new Head(null, n.path("queue_size").asLong());
        }
        try {
            return new Head(CommandCodec.fromPushPayload(payload), n.path("queue_size").asLong());
        } catch (InvalidCommandException e) {
            throw new UndecodableCommandException(n.path("epoch").asLong(), e.getMessage());
        }
    }

    private static Acked acked(JsonNode n) throws UndecodableCommandException {
        return new Acked(n.path("result").asString(), head(n.path("next")));
    }
}
