package dev.aero.sp.commands;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.command.CommandJson;
import dev.aero.common.command.CommandType;
import dev.aero.common.id.DID;
import tools.jackson.databind.json.JsonMapper;

/**
 * Commands SP sends devices, recorded in {@code command_outbox} inside the caller's transaction:
 * they exist exactly when the change that causes them commits. {@link CommandOutboxWorker}
 * delivers them to command-server, promptly after the commit and again until it succeeds.
 */
@Component
public class CommandOutbox {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final CommandOutboxWorker worker;

    CommandOutbox(JdbcTemplate jdbc, Clock clock, CommandOutboxWorker worker) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.worker = worker;
    }

    /** Appends a command without arguments to the device's queue. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void enqueue(DID device, CommandType type) {
        enqueue(device, Command.newBuilder().setType(type).build());
    }

    /** Appends a command to the device's queue. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void enqueue(DID device, Command command) {
        insert(device, command, false);
    }

    /** Sends each device the command. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void enqueueAll(Collection<DID> devices, CommandType type) {
        devices.forEach(d -> enqueue(d, type));
    }

    /** Replaces the device's whole queue with this command (unlink: nothing else runs first). */
    @Transactional(propagation = Propagation.MANDATORY)
    public void replace(DID device, CommandType type) {
        insert(device, Command.newBuilder().setType(type).build(), true);
    }

    private void insert(DID device, Command command, boolean replace) {
        // Checked now, in the caller's transaction: a command that command-server would refuse
        // must not wait in the outbox.
        CommandCodec.validate(command);
        String json = JSON.writeValueAsString(CommandJson.of(command));
        Timestamp now = Timestamp.from(Instant.now(clock));
        jdbc.update("INSERT INTO command_outbox (device_id, command_json, replace_queue, created_at, attempts, next_attempt_at)"
                + " VALUES (?, ?, ?, ?, 0, ?)", device.hex(), json, replace, now, now);
        worker.wakeAfterCommit();
    }
}
