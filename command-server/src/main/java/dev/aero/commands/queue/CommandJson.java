package dev.aero.commands.queue;

import java.util.Locale;

import org.springframework.http.HttpStatus;

import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.command.CommandType;
import dev.aero.common.command.InvalidCommandException;
import dev.aero.common.command.UploadLogsArgs;
import dev.aero.common.command.UploadLogsDestination;
import dev.aero.common.web.ApiProblemException;

/**
 * Commands as JSON: {@code {"type": "UPLOAD_LOGS", "upload_logs": {"defect_id", "expiry_time"
 * (ms since the epoch), "destination": {"hostname", "port"}}}}; the type by name or number.
 */
public record CommandJson(String type, UploadLogs uploadLogs) {

    public record UploadLogs(String defectId, Long expiryTime, Destination destination) { }

    public record Destination(String hostname, Integer port) { }

    /** The command this JSON describes, validated; 400 problems for anything wrong. */
    public Command toCommand() {
        CommandType t = parseType(type);
        Command.Builder b = Command.newBuilder().setType(t);
        if (uploadLogs != null) {
            UploadLogsArgs.Builder args = UploadLogsArgs.newBuilder()
                    .setDefectId(uploadLogs.defectId() == null ? "" : uploadLogs.defectId())
                    .setExpiryTime(uploadLogs.expiryTime() == null ? 0 : uploadLogs.expiryTime());
            if (uploadLogs.destination() != null) {
                Destination d = uploadLogs.destination();
                args.setDestination(UploadLogsDestination.newBuilder().setHostname(d.hostname() == null ? "" : d.hostname())
                        .setPort(d.port() == null ? 0 : d.port()));
            }
            b.setUploadLogsArgs(args);
        }
        Command command = b.build();
        try {
            CommandCodec.validate(command);
        } catch (InvalidCommandException e) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, "command-invalid", e.getMessage());
        }
        return command;
    }

    public static CommandJson of(Command c) {
        UploadLogs logs = null;
        if (c.hasUploadLogsArgs()) {
            UploadLogsArgs a = c.getUploadLogsArgs();
            logs = new UploadLogs(a.getDefectId(), a.getExpiryTime(),
                    a.hasDestination() ? new Destination(a.getDestination().getHostname(), a.getDestination().getPort()) : null);
        }
        return new CommandJson(c.getType().name(), logs);
    }

    /** A command type by name (any case) or number; 400 {@code command-type-unknown} otherwise. */
    public static CommandType parseType(String type) {
        if (type != null && !type.isBlank()) {
            try {
                CommandType t = type.chars().allMatch(Character::isDigit) && type.length() <= 3
                        ? CommandType.forNumber(Integer.parseInt(type))
                        : CommandType.valueOf(type.trim().toUpperCase(Locale.ROOT));
                if (t != null && t != CommandType.UNRECOGNIZED) {
                    return t;
                }
            } catch (IllegalArgumentException e) {
                // falls through to the problem below
            }
        }
        throw new ApiProblemException(HttpStatus.BAD_REQUEST, "command-type-unknown",
                "Unknown command type '" + (type == null ? "" : type.length() > 64 ? type.substring(0, 64) + "…" : type) + "'; GET /v1/command-types lists them.");
    }
}
