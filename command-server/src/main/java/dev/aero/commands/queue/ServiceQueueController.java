package dev.aero.commands.queue;

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
import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.command.CommandType;
import dev.aero.common.id.DID;

/**
 * The queue API for platform services ({@code Aero-Service-Shared-Secret}): enqueue, replace,
 * flush, inspect, command types, dead letters, and the legacy
 * {@code POST /devices/{did}/queues/{COMMAND_TYPE}}. Every enqueue is pushed to the device after
 * Redis has taken it.
 */
@RestController
class ServiceQueueController {

    private final CommandQueues queues;
    private final PushDelivery pusher;

    ServiceQueueController(CommandQueues queues, PushDelivery pusher) {
        this.queues = queues;
        this.pusher = pusher;
    }

    record Enqueued(DID did, long epoch, CommandJson command) { }

    record QueuedView(long epoch, CommandJson command, long attempts, Instant createdAt) { }

    record QueueView(DID did, int size, List<QueuedView> commands) { }

    record DeadLetterView(CommandJson command, long attempts, Instant createdAt, Instant deadAt) { }

    record TypeView(int number, String name) { }

    @PostMapping("/v1/devices/{did}/commands")
    Enqueued enqueue(@PathVariable DID did,
            @RequestBody CommandJson body) {
        Command command = body.toCommand();
        long epoch = queues.enqueue(did, CommandCodec.toRedisString(command));
        return pushed(did, command, epoch);
    }

    @PutMapping("/v1/devices/{did}/commands")
    Enqueued replace(@PathVariable DID did,
            @RequestBody CommandJson body) {
        Command command = body.toCommand();
        long epoch = queues.replace(did, CommandCodec.toRedisString(command));
        return pushed(did, command, epoch);
    }

    private Enqueued pushed(DID did, Command command, long epoch) {
        Command withEpoch = command.toBuilder().setEpoch(epoch).build();
        pusher.pushEnqueued(did, withEpoch);
        return new Enqueued(did, epoch, CommandJson.of(withEpoch));
    }

    @DeleteMapping("/v1/devices/{did}/commands")
    ResponseEntity<Void> flush(@PathVariable DID did) {
        queues.flush(did);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/v1/devices/{did}/commands")
    QueueView inspect(@PathVariable DID did) {
        List<QueuedView> commands = queues.list(did).stream().map(q -> new QueuedView(q.epoch(),
                CommandJson.of(CommandCodec.fromRedisString(q.command(), q.epoch())), q.attempts(), Instant.ofEpochMilli(q.created())))
                .toList();
        return new QueueView(did, commands.size(), commands);
    }

    @GetMapping("/v1/command-types")
    List<TypeView> types() {
        return Arrays.stream(CommandType.values()).filter(t -> t != CommandType.UNRECOGNIZED)
                .map(t -> new TypeView(t.getNumber(), t.name())).toList();
    }

    @GetMapping("/v1/dead-letters")
    List<DID> devicesWithDeadLetters() {
        return queues.devicesWithDeadLetters();
    }

    @GetMapping("/v1/devices/{did}/dead-letters")
    List<DeadLetterView> deadLetters(@PathVariable DID did) {
        return queues.deadLetters(did).stream().map(d -> new DeadLetterView(CommandJson.of(CommandCodec.fromRedisString(d.command(), 0)),
                d.attempts(), Instant.ofEpochMilli(d.created()), Instant.ofEpochMilli(d.dead()))).toList();
    }

    record Redriven(DID did, long commands) { }

    @PostMapping("/v1/devices/{did}/dead-letters/redrive")
    Redriven redrive(@PathVariable DID did) {
        long n = queues.redrive(did);
        if (n > 0) {
            pusher.pushHead(did);
        }
        return new Redriven(did, n);
    }

    /** The legacy form: the type in the path, no body. 204; 400 for an unknown type or a bad device id. */
    @PostMapping("/devices/{did}/queues/{type}")
    ResponseEntity<Void> legacyEnqueue(@PathVariable DID did, @PathVariable String type) {
        CommandType t = CommandJson.parseType(type);
        if (t == CommandType.UPLOAD_LOGS) {
            throw new dev.aero.common.web.ApiProblemException(HttpStatus.BAD_REQUEST, "command-invalid",
                    "UPLOAD_LOGS needs arguments: use POST /v1/devices/{did}/commands.");
        }
        Command command = Command.newBuilder().setType(t).build();
        pushed(did, command, queues.enqueue(did, CommandCodec.toRedisString(command)));
        return ResponseEntity.noContent().build();
    }
}
