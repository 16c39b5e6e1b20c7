package dev.aero.commands.api;

import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.swagger.v3.oas.annotations.Operation;
import dev.aero.common.web.apidoc.ProblemResponse;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import org.springframework.http.HttpStatus;
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
import dev.aero.common.web.ApiProblemException;

/**
 * The queue API for platform services ({@code Aero-Service-Shared-Secret}): enqueue, replace,
 * flush, inspect, command types, dead letters, and the legacy
 * {@code POST /devices/{did}/queues/{COMMAND_TYPE}}. Every enqueue is pushed to the device after
 * Redis has taken it.
 */
@RestController
@Tag(name = "Service API", description = "Device command queues, for platform services")
class ServiceQueueController {

    private final CommandQueues queues;
    private final PushDelivery pusher;
    private final QueueTotals totals;

    ServiceQueueController(CommandQueues queues, PushDelivery pusher, QueueTotals totals) {
        this.queues = queues;
        this.pusher = pusher;
        this.totals = totals;
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
        Command command = commandOf(body);
        long epoch = queues.enqueue(did, CommandCodec.toRedisString(command));
        return pushed(did, command, epoch);
    }

    @PutMapping("/v1/devices/{did}/commands")
    @Operation(operationId = "replaceCommands", summary = "Flush a device's queue and enqueue one command (unlinks: nothing else runs first)")
    @ProblemResponse(status = 400, type = "command-invalid", when = "the command breaks its type's rules (e.g. UPLOAD_LOGS without a `defect_id`); the detail says how")
    @ProblemResponse(status = 400, type = "command-type-unknown", when = "`type` names no command type (see `GET /v1/command-types`)")
    Enqueued replace(@PathVariable DID did,
            @RequestBody CommandJson body) {
        Command command = commandOf(body);
        long epoch = queues.replace(did, CommandCodec.toRedisString(command));
        return pushed(did, command, epoch);
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

    private Enqueued pushed(DID did, Command command, long epoch) {
        Command withEpoch = command.toBuilder().setEpoch(epoch).build();
        pusher.pushEnqueued(did, withEpoch);
        return new Enqueued(did, epoch, CommandJson.of(withEpoch));
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
        pushed(did, command, queues.enqueue(did, CommandCodec.toRedisString(command)));
        return ResponseEntity.noContent().build();
    }
}
