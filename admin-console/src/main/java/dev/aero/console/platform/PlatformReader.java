package dev.aero.console.platform;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;

import dev.aero.common.http.ServiceHttpClient;
import dev.aero.console.ConsoleProperties;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the other services through their service APIs (with the deployment secret) and their
 * actuators (health, Prometheus): never their databases or Redis keys. Every read is bounded by
 * {@code aero.console.call-timeout} and a failed one yields "unknown", not an error page.
 */
@Component
public class PlatformReader {

    private static final String SERVICE_NAME = "admin-console";
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? ([-+0-9.eE]+|NaN)", Pattern.MULTILINE);

    private final ConsoleProperties settings;
    private final HttpClient http;
    private final ServiceHttpClient services;
    private final JsonMapper json = JsonMapper.builder().build();

    public PlatformReader(ConsoleProperties settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(settings.callTimeout()).build();
        this.services = new ServiceHttpClient(http, SERVICE_NAME, settings.deploymentSecret());
    }

    /** Every configured service's health, in the configured order, read in parallel. */
    public List<ServiceHealth> health() {
        List<CompletableFuture<ServiceHealth>> reads = new ArrayList<>();
        settings.services().forEach((name, base) -> reads.add(get(base.resolve("/actuator/health"))
                .thenApply(r -> healthOf(name, r))
                .exceptionally(e -> new ServiceHealth(name, "UNREACHABLE", "no answer: " + cause(e), List.of()))));
        return reads.stream().map(CompletableFuture::join).toList();
    }

    private ServiceHealth healthOf(String name, HttpResponse<String> answer) {
        JsonNode body;
        try {
            body = json.readTree(answer.body());
        } catch (JacksonException e) {
            return new ServiceHealth(name, "DOWN", "answered " + answer.statusCode() + " without a health report", List.of());
        }
        String status = body.path("status").asString("UNKNOWN");
        List<String> notUp = new ArrayList<>();
        body.path("components").properties().forEach(c -> {
            String s = c.getValue().path("status").asString("UNKNOWN");
            if (!"UP".equals(s)) {
                notUp.add(c.getKey() + " " + s);
            }
        });
        if ("UP".equals(status)) {
            return notUp.isEmpty() ? new ServiceHealth(name, "UP", "", List.of())
                    : new ServiceHealth(name, "DEGRADED", String.join(", ", notUp), notUp);
        }
        return new ServiceHealth(name, "DOWN", notUp.isEmpty() ? "status " + status : String.join(", ", notUp), notUp);
    }

    /** devman's, command-server's, verkehr's and zephyr's figures, read in parallel. */
    public PlatformFigures figures() {
        CompletableFuture<JsonNode> devman = serviceJson("GET", settings.devmanUrl().resolve("/v1/stats"), null);
        CompletableFuture<JsonNode> queues = serviceJson("GET", settings.commandServerUrl().resolve("/v1/stats"), null);
        CompletableFuture<JsonNode> connections = serviceJson("GET", settings.verkehrUrl().resolve("/v1/connections?limit=1"), null);
        CompletableFuture<JsonNode> verkehr = serviceJson("GET", settings.verkehrUrl().resolve("/v1/status"), null);
        URI zephyrBase = settings.services().get("zephyr-relay");
        CompletableFuture<Map<String, Double>> zephyr = zephyrBase == null ? CompletableFuture.completedFuture(Map.of())
                : get(zephyrBase.resolve("/actuator/prometheus")).thenApply(r -> r.statusCode() == 200 ? samples(r.body()) : Map.of());
        JsonNode d = orNull(devman);
        JsonNode q = orNull(queues);
        JsonNode c = orNull(connections);
        JsonNode v = orNull(verkehr);
        Map<String, Double> z = zephyr.exceptionally(e -> Map.of()).join();
        return new PlatformFigures(
                d == null ? null : d.path("online_devices").asLong(),
                d == null ? null : d.path("events_lag").asLong(),
                q == null ? null : q.path("commands_waiting").asLong(),
                q == null ? null : q.path("devices_with_commands").asLong(),
                q == null ? null : q.path("dead_letters").asLong(),
                q == null ? null : q.path("devices_with_dead_letters").asLong(),
                c == null ? null : c.path("total").asLong(),
                v == null ? null : (long) v.path("nodes").size(),
                z.containsKey("zephyr_pairs_bound") ? z.get("zephyr_pairs_bound").longValue() : null,
                z.containsKey("zephyr_connections") ? z.get("zephyr_connections").longValue() : null,
                z.containsKey("zephyr_bytes_relayed_bytes_total") ? z.get("zephyr_bytes_relayed_bytes_total").longValue() : null);
    }

    /** devman's presence of these devices, by device id; empty when devman cannot say. */
    public Map<String, DevicePresence> presence(Collection<String> devices) {
        if (devices.isEmpty()) {
            return Map.of();
        }
        Map<String, DevicePresence> found = new HashMap<>();
        JsonNode answer = orNull(serviceJson("POST", settings.devmanUrl().resolve("/v1/devices/status"),
                json.writeValueAsString(Map.of("devices", List.copyOf(devices)))));
        if (answer != null) {
            for (JsonNode d : answer.path("devices")) {
                List<String> via = new ArrayList<>();
                d.path("online_via").forEach(t -> via.add(t.asString()));
                String seen = d.path("last_seen_time").asString(null);
                found.put(d.path("did").asString(), new DevicePresence(d.path("did").asString(),
                        seen == null ? null : Instant.parse(seen), d.path("ip_address").asString(null), d.path("online").asBoolean(), via));
            }
        }
        return found;
    }

    /** Prometheus text: each metric's samples summed over their labels. */
    static Map<String, Double> samples(String text) {
        Map<String, Double> sums = new HashMap<>();
        Matcher m = SAMPLE.matcher(text);
        while (m.find()) {
            double value;
            try {
                value = Double.parseDouble(m.group(3));
            } catch (NumberFormatException e) {
                continue;
            }
            if (Double.isFinite(value)) {
                // NaN (a gauge with nothing to say) is not a figure to show.
                sums.merge(m.group(1), value, Double::sum);
            }
        }
        return sums;
    }

    private CompletableFuture<HttpResponse<String>> get(URI uri) {
        return http.sendAsync(HttpRequest.newBuilder(uri).timeout(settings.callTimeout()).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private CompletableFuture<JsonNode> serviceJson(String method, URI uri, String body) {
        return services.sendAsync(method, uri, body, settings.callTimeout()).thenApply(r -> {
            if (r.statusCode() / 100 != 2) {
                throw new CompletionException(new IOException(uri.getPath() + " answered " + r.statusCode()));
            }
            return json.readTree(r.body());
        });
    }

    private static JsonNode orNull(CompletableFuture<JsonNode> read) {
        return read.exceptionally(e -> null).join();
    }

    private static String cause(Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null ? "" : " " + message);
    }
}
