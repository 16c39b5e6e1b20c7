package dev.aero.sp.commands;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import dev.aero.common.http.ServiceHttpClient;
import dev.aero.common.id.DID;
import dev.aero.common.web.ApiProblemException;
import dev.aero.sp.SpProperties;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A device's queue and dead letters as command-server holds them, read (and the dead letters
 * re-driven) through its service API ({@code GET /v1/devices/{did}/commands},
 * {@code GET /v1/devices/{did}/dead-letters}, {@code POST /v1/devices/{did}/dead-letters/redrive}).
 * Unlike the outbox's deliveries these calls are made while an admin waits, so they are not
 * retried: when command-server does not answer 200 within {@code aero.sp.commands.timeout},
 * the caller gets 503 {@code command-server-unavailable} (counted in
 * {@code aero.sp.command-server.failures}).
 */
@Component
public class CommandServerQueues {

    /**
     * A command waiting in the device's queue, head first; {@code arguments} are its type's
     * (UPLOAD_LOGS: {@code defect_id}, {@code expiry_time} in ms, {@code destination}), null for a
     * command without; {@code attempts} counts the device's failed runs of it.
     */
    public record QueuedCommand(long epoch, String type, Map<String, Object> arguments, long attempts, Instant createdAt) { }

    /** A command command-server gave up on after too many failed runs, as {@link QueuedCommand} without an epoch. */
    public record DeadLetter(String type, Map<String, Object> arguments, long attempts, Instant createdAt, Instant deadAt) { }

    public record DeviceQueue(List<QueuedCommand> commands, List<DeadLetter> deadLetters) { }

    private static final Logger log = LoggerFactory.getLogger(CommandServerQueues.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final CommandsProperties settings;
    private final ServiceHttpClient commandServer;
    private final MeterRegistry meters;

    CommandServerQueues(CommandsProperties settings, SpProperties sp, MeterRegistry meters) {
        this.settings = settings;
        this.meters = meters;
        this.commandServer = new ServiceHttpClient(HttpClient.newBuilder().connectTimeout(settings.timeout()).build(),
                "sp-service", sp.deploymentSecret());
    }

    /** The device's queue, head first, and its dead letters. */
    public DeviceQueue of(DID device) {
        JsonNode queue = call("GET", device, "/commands");
        JsonNode dead = call("GET", device, "/dead-letters");
        List<QueuedCommand> commands = new ArrayList<>();
        for (JsonNode q : queue.path("commands")) {
            JsonNode command = q.path("command");
            commands.add(new QueuedCommand(q.path("epoch").asLong(), command.path("type").asString(), arguments(command),
                    q.path("attempts").asLong(), instant(q.path("created_at"))));
        }
        List<DeadLetter> letters = new ArrayList<>();
        for (JsonNode d : dead) {
            JsonNode command = d.path("command");
            letters.add(new DeadLetter(command.path("type").asString(), arguments(command), d.path("attempts").asLong(),
                    instant(d.path("created_at")), instant(d.path("dead_at"))));
        }
        return new DeviceQueue(List.copyOf(commands), List.copyOf(letters));
    }

    /** Moves the device's dead letters back to the tail of its queue; how many there were. */
    public long redrive(DID device) {
        return call("POST", device, "/dead-letters/redrive").path("commands").asLong();
    }

    private JsonNode call(String method, DID device, String path) {
        URI uri = URI.create(settings.url() + "/v1/devices/" + device.hex() + path);
        String failure;
        try {
            HttpResponse<String> response = commandServer.send(method, uri, null, settings.timeout());
            if (response.statusCode() == 200) {
                return JSON.readTree(response.body());
            }
            failure = "HTTP " + response.statusCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "interrupted";
        } catch (Exception e) {
            failure = e.toString();
        }
        meters.counter("aero.sp.command-server.failures").increment();
        log.warn("command-server did not answer {} {} ({})", method, uri, failure);
        throw new ApiProblemException(HttpStatus.SERVICE_UNAVAILABLE, "command-server-unavailable",
                "command-server, which holds the devices' command queues, did not answer; try again later.");
    }

    /** The command's arguments: the members of its one arguments object ({"upload_logs": {...}}), null when it has none. */
    private static Map<String, Object> arguments(JsonNode command) {
        for (Map.Entry<String, JsonNode> member : command.properties()) {
            if (!member.getKey().equals("type") && member.getValue().isObject()) {
                Map<String, Object> args = JSON.convertValue(member.getValue(), JSON.getTypeFactory()
                        .constructMapType(LinkedHashMap.class, String.class, Object.class));
                return args;
            }
        }
        return null;
    }

    private static Instant instant(JsonNode time) {
        if (time.isNumber()) {
            return Instant.ofEpochMilli(time.asLong());
        }
        return time.isString() ? Instant.parse(time.asString()) : null;
    }
}
