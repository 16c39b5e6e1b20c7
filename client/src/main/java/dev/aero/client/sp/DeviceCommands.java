package dev.aero.client.sp;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A device's command queue, head first, and its dead letters (commands command-server gave up
 * on after too many failed runs), as an admin reads them through SP.
 */
public record DeviceCommands(List<Command> commands, List<DeadLetter> deadLetters) {

    public DeviceCommands {
        commands = commands == null ? List.of() : List.copyOf(commands);
        deadLetters = deadLetters == null ? List.of() : List.copyOf(deadLetters);
    }

    /**
     * A queued command; {@code arguments} are its type's (UPLOAD_LOGS: {@code defect_id},
     * {@code expiry_time}, {@code destination}), null for a command without; {@code attempts}
     * counts the device's failed runs of it.
     */
    public record Command(long epoch, String type, Map<String, Object> arguments, long attempts, Instant createdAt) {
    }

    /** A dead letter: a command that failed too often, from {@code createdAt} until {@code deadAt}. */
    public record DeadLetter(String type, Map<String, Object> arguments, long attempts, Instant createdAt, Instant deadAt) {
    }
}
