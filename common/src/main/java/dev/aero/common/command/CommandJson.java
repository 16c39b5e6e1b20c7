package dev.aero.common.command;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A command's JSON form, as services send it to command-server and command-server shows it:
 * {@code {"type": "UPLOAD_LOGS", "upload_logs": {"defect_id", "expiry_time" (ms since the epoch),
 * "destination": {"hostname", "port"}}}}; the type by name or number. Member names are fixed
 * here, whatever naming the mapper that writes it uses; absent members are left out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CommandJson(@JsonProperty("type") String type, @JsonProperty("upload_logs") UploadLogs uploadLogs) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record UploadLogs(@JsonProperty("defect_id") String defectId, @JsonProperty("expiry_time") Long expiryTime,
            @JsonProperty("destination") Destination destination) { }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Destination(@JsonProperty("hostname") String hostname, @JsonProperty("port") Integer port) { }

    /**
     * The command this JSON describes, validated.
     *
     * @throws UnknownCommandTypeException when the type names no command type
     * @throws InvalidCommandException when the command breaks its type's rules
     */
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
        CommandCodec.validate(command);
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

    /**
     * A command type by name (any case) or number.
     *
     * @throws UnknownCommandTypeException for anything else
     */
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
                // falls through to the exception below
            }
        }
        throw new UnknownCommandTypeException("Unknown command type '"
                + (type == null ? "" : type.length() > 64 ? type.substring(0, 64) + "…" : type) + "'; GET /v1/command-types lists them.");
    }
}
