package dev.aero.commands.api;

import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.swagger.v3.oas.annotations.Operation;
import dev.aero.common.web.apidoc.ProblemResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.aero.commands.push.PushDelivery;
import dev.aero.commands.queue.CommandQueues;
import dev.aero.commands.queue.QueueTotals;
import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.command.CommandJson;
import dev.aero.common.command.CommandType;
import dev.aero.common.command.InvalidCommandException;
import dev.aero.common.command.UnknownCommandTypeException;
import dev.aero.common.id.DID;
import dev.aero.common.id.InvalidIdentifierException;
import dev.aero.common.web.ApiProblemException;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The queue API for platform services ({@code Aero-Service-Shared-Secret}): enqueue, replace,
 * the batch of both for many devices ({@code POST /v1/queues/batch}), flush, inspect, command
 * types, dead letters, and the legacy {@code POST /devices/{did}/queues/{COMMAND_TYPE}}. Every
 * enqueue is pushed to the device after Redis has taken it.
 */
@RestController
@Tag(name = "Service API", description = "Device command queues, for platform services")
class ServiceQueueController {

    /** The most entries one {@code POST /v1/queues/batch} takes. */
    static final int MAX_BATCH = 1000;

    private final CommandQueues queues;
    private final PushDelivery pusher;
    private final QueueTotals totals;
    private final JsonMapper json;

    ServiceQueueController(CommandQueues queues, PushDelivery pusher, QueueTotals totals, JsonMapper json) {
        this.queues = queues;
        this.pusher = pusher;
        this.totals = totals;
        this.json = json;
    }

    record Enqueued(DID did, long epoch, CommandJson command) { }

    record QueuedView(long epoch, CommandJson command, long attempts, Instant createdAt) { }

    record QueueView(DID did, int size, List<QueuedView> commands) { }

    record DeadLetterView(CommandJson command, long attempts, Instant createdAt, Instant deadAt) { }

    record TypeView(int number, String name) { }

    @PostMapping("/v1/devices/{did}/commands")
    @Operation(operationId = "enqueueCommand", summary = "Enqueue a command at the tail of a device's queue and push it; "
            + "the same command already queued moves to the tail with the new epoch")
    @ProblemResponse(status = 400, type = "command-invalid", when = "the command breaks its type's rules (e.g. UPLOAD_LOGS without a `defect_id`); the detail says how")
    @ProblemResponse(status = 400, type = "command-type-unknown", when = "`type` names no command type (see `GET /v1/command-types`)")
    Enqueued enqueue(@PathVariable DID did,
            @RequestBody CommandJson body) {
        FastEnqueueFilter.rethrowFailure();
        Command command = commandOf(body);
        return pushed(did, command, queues.enqueue(did, CommandCodec.toRedisString(command), false));
    }

    @PutMapping("/v1/devices/{did}/commands")
    @Operation(operationId = "replaceCommands", summary = "Flush a device's queue and enqueue one command (unlinks: nothing else runs first)")
    @ProblemResponse(status = 400, type = "command-invalid", when = "the command breaks its type's rules (e.g. UPLOAD_LOGS without a `defect_id`); the detail says how")
    @ProblemResponse(status = 400, type = "command-type-unknown", when = "`type` names no command type (see `GET /v1/command-types`)")
    Enqueued replace(@PathVariable DID did,
            @RequestBody CommandJson body) {
        FastEnqueueFilter.rethrowFailure();
        Command command = commandOf(body);
        return pushed(did, command, queues.enqueue(did, CommandCodec.toRedisString(command), true));
    }

    /** The command a body describes; 400 problems for anything wrong with it. */
    private static Command commandOf(CommandJson body) {
        try {
            return body.toCommand();
        } catch (UnknownCommandTypeException e) {
            throw typeUnknown(e);
        } catch (InvalidCommandException e) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, "command-invalid", e.getMessage());
        }
    }

    private static ApiProblemException typeUnknown(UnknownCommandTypeException e) {
        return new ApiProblemException(HttpStatus.BAD_REQUEST, "command-type-unknown", e.getMessage());
    }

    private Enqueued pushed(DID did, Command command, CommandQueues.Enqueued enqueued) {
        return pushed(pusher, did, command, enqueued);
    }

    /** Pushes a command Redis has taken to its device; the answer to its enqueue (also {@link FastEnqueueFilter}'s). */
    static Enqueued pushed(PushDelivery pusher, DID did, Command command, CommandQueues.Enqueued enqueued) {
        Command withEpoch = command.toBuilder().setEpoch(enqueued.epoch()).build();
        pusher.pushEnqueued(did, withEpoch, enqueued.pushRetryPending());
        return new Enqueued(did, enqueued.epoch(), CommandJson.of(withEpoch));
    }

    // ---- batch enqueue ----

    @Schema(description = "One enqueue of a batch: a device and a command (as the body of `POST /v1/devices/{did}/commands`)")
    record BatchEntry(
            @Schema(description = "the device id: 32 lower-case hex characters", requiredMode = Schema.RequiredMode.REQUIRED) String device,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) CommandJson command,
            @Schema(description = "true: replace the device's queue with this command, as `PUT /v1/devices/{did}/commands` does; "
                    + "absent or false: enqueue at the tail") Boolean replace) { }

    @Schema(description = "Enqueues for many devices, applied in order")
    record BatchRequest(@ArraySchema(minItems = 1, maxItems = MAX_BATCH, arraySchema = @Schema(requiredMode = Schema.RequiredMode.REQUIRED))
            List<BatchEntry> entries) { }

    /** What became of one entry: its epoch, or the problem the single enqueue would have answered. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "What became of one entry: `epoch` or `error`")
    record BatchResult(@Schema(description = "the command's epoch, as the single enqueue answers it; absent with `error`") Long epoch,
            @Schema(description = "why the entry was refused: the problem the single enqueue would have answered for it")
            EntryProblem error) { }

    record EntryProblem(String type, String title, int status, String detail) {
        static EntryProblem of(ProblemDetail p) {
            return new EntryProblem(String.valueOf(p.getType()), p.getTitle(), p.getStatus(), p.getDetail());
        }
    }

    record BatchAnswer(@ArraySchema(arraySchema = @Schema(description = "one per entry, in the order of the entries"))
            List<BatchResult> results) { }

    /** An entry that passed its checks; {@code member} is the command's Redis string form. */
    private record Valid(int index, DID did, Command command, String member, boolean replace) { }

    @PostMapping("/v1/queues/batch")
    @Operation(operationId = "enqueueCommandBatch", summary = "Enqueue (or replace) commands for many devices in one request and one "
            + "Redis step, in order: each entry as the single enqueue would do it, with the same epochs; an invalid entry is "
            + "answered with its problem and does not stop the others. The devices that got a command are pushed, one push each",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    description = "1 to 1000 entries, at most 1 MiB",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = BatchRequest.class))))
    @ProblemResponse(status = 400, type = "batch-too-large", when = "more than 1000 entries: nothing is applied")
    @ProblemResponse(status = 400, type = "validation", when = "`entries` is empty: nothing is applied")
    BatchAnswer enqueueBatch(@RequestBody JsonNode body) {
        JsonNode entries = body == null ? null : body.get("entries");
        if (entries == null || !entries.isArray()) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, "malformed-request",
                    "The request body must be {\"entries\": [{\"device\", \"command\", \"replace\"}, ...]}.");
        }
        if (entries.size() > MAX_BATCH) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, "batch-too-large",
                    "A batch holds at most " + MAX_BATCH + " entries; this one has " + entries.size() + ". Nothing was applied.");
        }
        if (entries.isEmpty()) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, "validation", "The request has invalid values.",
                    Map.of("errors", List.of(Map.of("field", "entries", "message", "must hold 1 to " + MAX_BATCH + " entries"))));
        }
        BatchResult[] results = new BatchResult[entries.size()];
        List<Valid> valid = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            try {
                valid.add(entry(i, entries.get(i)));
            } catch (ApiProblemException e) {
                results[i] = new BatchResult(null, EntryProblem.of(e.getBody()));
            }
        }
        List<CommandQueues.Enqueued> enqueued = queues.enqueueAll(valid.stream()
                .map(v -> new CommandQueues.Entry(v.did(), v.member(), v.replace())).toList());
        // One push per device: its earliest command of this batch still queued after it (a later
        // replace flushes the earlier ones; the same command again moves to the tail).
        Map<DID, LinkedHashMap<String, Command>> survivors = new LinkedHashMap<>();
        Set<DID> retryPending = new HashSet<>();
        for (int n = 0; n < valid.size(); n++) {
            Valid v = valid.get(n);
            long epoch = enqueued.get(n).epoch();
            if (enqueued.get(n).pushRetryPending()) {
                retryPending.add(v.did());
            }
            Command withEpoch = v.command().toBuilder().setEpoch(epoch).build();
            results[v.index()] = new BatchResult(epoch, null);
            LinkedHashMap<String, Command> queued = survivors.computeIfAbsent(v.did(), d -> new LinkedHashMap<>());
            if (v.replace()) {
                queued.clear();
            }
            queued.remove(v.member());
            queued.put(v.member(), withEpoch);
        }
        List<PushDelivery.Enqueued> pushes = new ArrayList<>(survivors.size());
        survivors.forEach((did, queued) -> pushes.add(new PushDelivery.Enqueued(did, queued.values().iterator().next(),
                retryPending.contains(did))));
        pusher.pushAllEnqueued(pushes);
        return new BatchAnswer(List.of(results));
    }

    /** One entry, checked as the single enqueue checks its path and body; a problem for anything wrong with it. */
    private Valid entry(int index, JsonNode entry) {
        if (entry == null || !entry.isObject()) {
            throw entryMalformed("is not an object");
        }
        JsonNode device = entry.get("device");
        if (device == null || !device.isString()) {
            throw entryMalformed("has no `device` string");
        }
        DID did;
        try {
            did = DID.of(device.asString());
        } catch (InvalidIdentifierException e) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, "invalid-identifier", e.getMessage());
        }
        JsonNode replace = entry.get("replace");
        if (replace != null && !replace.isNull() && !replace.isBoolean()) {
            throw entryMalformed("has a `replace` that is not true or false");
        }
        JsonNode command = entry.get("command");
        if (command == null || !command.isObject()) {
            throw entryMalformed("has no `command` object");
        }
        CommandJson body;
        try {
            body = json.treeToValue(command, CommandJson.class);
        } catch (JacksonException e) {
            throw entryMalformed("has a `command` that is not JSON of the expected shape");
        }
        Command valid = commandOf(body);
        return new Valid(index, did, valid, CommandCodec.toRedisString(valid), replace != null && replace.asBoolean());
    }

    private static ApiProblemException entryMalformed(String what) {
        return new ApiProblemException(HttpStatus.BAD_REQUEST, "malformed-request", "The entry " + what + ".");
    }

    @DeleteMapping("/v1/devices/{did}/commands")
    @Operation(operationId = "flushCommands", summary = "Empty a device's queue")
    @ApiResponse(responseCode = "204", description = "The queue is empty")
    ResponseEntity<Void> flush(@PathVariable DID did) {
        queues.flush(did);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/v1/devices/{did}/commands")
    @Operation(operationId = "listCommands", summary = "A device's queue, head first, with each command's failed attempts and creation time")
    QueueView inspect(@PathVariable DID did) {
        List<QueuedView> commands = queues.list(did).stream().map(q -> new QueuedView(q.epoch(),
                CommandJson.of(CommandCodec.fromRedisString(q.command(), q.epoch())), q.attempts(), Instant.ofEpochMilli(q.created())))
                .toList();
        return new QueueView(did, commands.size(), commands);
    }

    @GetMapping("/v1/command-types")
    @Operation(operationId = "listCommandTypes", summary = "Every command type with its number")
    List<TypeView> types() {
        return Arrays.stream(CommandType.values()).filter(t -> t != CommandType.UNRECOGNIZED)
                .map(t -> new TypeView(t.getNumber(), t.name())).toList();
    }

    record StatsView(long devicesWithCommands, long commandsWaiting, long devicesWithDeadLetters, long deadLetters,
                     Instant countedAt) { }

    @GetMapping("/v1/stats")
    @Operation(operationId = "getQueueStats", summary = "Commands waiting and dead letters over every device, counted at most 5 s ago "
            + "(commands past their time to live that no read has removed yet are included)")
    StatsView stats() {
        QueueTotals.Counted c = totals.now();
        return new StatsView(c.totals().devicesWithCommands(), c.totals().commandsWaiting(), c.totals().devicesWithDeadLetters(),
                c.totals().deadLetters(), c.countedAt());
    }

    @GetMapping("/v1/dead-letters")
    @Operation(operationId = "listDevicesWithDeadLetters", summary = "The devices that have dead letters")
    List<DID> devicesWithDeadLetters() {
        return queues.devicesWithDeadLetters();
    }

    @GetMapping("/v1/devices/{did}/dead-letters")
    @Operation(operationId = "listDeadLetters", summary = "A device's dead letters: commands that failed too often")
    List<DeadLetterView> deadLetters(@PathVariable DID did) {
        return queues.deadLetters(did).stream().map(d -> new DeadLetterView(CommandJson.of(CommandCodec.fromRedisString(d.command(), 0)),
                d.attempts(), Instant.ofEpochMilli(d.created()), Instant.ofEpochMilli(d.dead()))).toList();
    }

    record Redriven(DID did, long commands) { }

    @PostMapping("/v1/devices/{did}/dead-letters/redrive")
    @Operation(operationId = "redriveDeadLetters", summary = "Move a device's dead letters back to the tail of its queue, "
            + "attempts reset, and push the head")
    Redriven redrive(@PathVariable DID did) {
        long n = queues.redrive(did);
        if (n > 0) {
            pusher.pushHead(did);
        }
        return new Redriven(did, n);
    }

    /** The legacy form: the type in the path, no body. 204; 400 for an unknown type or a bad device id. */
    @PostMapping("/devices/{did}/queues/{type}")
    @Operation(operationId = "enqueueCommandByType", deprecated = true,
            summary = "The original form of enqueue: the type's name in the path, no arguments (so not UPLOAD_LOGS)")
    @ApiResponse(responseCode = "204", description = "Enqueued and pushed")
    @ProblemResponse(status = 400, type = "command-type-unknown", when = "`{type}` names no command type")
    @ProblemResponse(status = 400, type = "command-invalid", when = "the type needs arguments (UPLOAD_LOGS)")
    ResponseEntity<Void> legacyEnqueue(@PathVariable DID did, @PathVariable String type) {
        CommandType t;
        try {
            t = CommandJson.parseType(type);
        } catch (UnknownCommandTypeException e) {
            throw typeUnknown(e);
        }
        if (t == CommandType.UPLOAD_LOGS) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, "command-invalid",
                    "UPLOAD_LOGS needs arguments: use POST /v1/devices/{did}/commands.");
        }
        Command command = Command.newBuilder().setType(t).build();
        pushed(did, command, queues.enqueue(did, CommandCodec.toRedisString(command), false));
        return ResponseEntity.noContent().build();
    }
}
