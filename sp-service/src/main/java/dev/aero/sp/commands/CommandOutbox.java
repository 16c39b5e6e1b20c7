package dev.aero.sp.commands;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.aero.common.id.DID;

/**
 * Commands SP sends devices, recorded in {@code command_outbox} inside the caller's transaction:
 * they exist exactly when the change that causes them commits. {@link CommandOutboxWorker}
 * delivers them to command-server, promptly after the commit and again until it succeeds.
 */
@Component
public class CommandOutbox {

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final CommandOutboxWorker worker;

    CommandOutbox(JdbcTemplate jdbc, Clock clock, CommandOutboxWorker worker) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.worker = worker;
    }

    /** Appends a command (type name, no arguments) to the device's queue. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void enqueue(DID device, String type) {
        insert(device, "{\"type\":\"" + type + "\"}", false);
    }

    /** Sends each device the command. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void enqueueAll(Collection<DID> devices, String type) {
        devices.forEach(d -> enqueue(d, type));
    }

    /** Sends every linked device of {@code user} the command. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void enqueueForDevicesOf(dev.aero.common.id.UserID user, String type) {
        for (String id : jdbc.queryForList("SELECT id FROM devices WHERE owner_id = ? AND unlinked_at IS NULL ORDER BY id",
                String.class, user.value())) {
            enqueue(DID.of(id), type);
        }
    }

    /** Replaces the device's whole queue with this command (unlink: nothing else runs first). */
    @Transactional(propagation = Propagation.MANDATORY)
    public void replace(DID device, String type) {
        insert(device, "{\"type\":\"" + type + "\"}", true);
    }

    /** Appends a command given as command-server's JSON (for commands with arguments). */
    @Transactional(propagation = Propagation.MANDATORY)
    public void enqueueJson(DID device, String commandJson) {
        insert(device, commandJson, false);
    }

    private void insert(DID device, String json, boolean replace) {
        Timestamp now = Timestamp.from(Instant.now(clock));
        jdbc.update("INSERT INTO command_outbox (device_id, command_json, replace_queue, created_at, attempts, next_attempt_at)"
                + " VALUES (?, ?, ?, ?, 0, ?)", device.hex(), json, replace, now, now);
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    worker.wake();
                }
            });
        }
    }
}
