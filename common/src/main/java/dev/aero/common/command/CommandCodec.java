package dev.aero.common.command;

import java.util.Base64;

import com.google.protobuf.InvalidProtocolBufferException;

/**
 * The two encodings of a {@link Command} (docs/protocols/commands.md):
 * <ul>
 * <li>the push payload: base64 of the protobuf encoding, MCAST on {@code cmd/<did>};</li>
 * <li>the Redis member string: {@code "<type number>"}, or for UPLOAD_LOGS
 * {@code "10:<defect id>:<expiry ms>[:<host>:<port>]"}. The epoch is not part of it (it is the
 * member's score), nor is the destination certificate (taken from configuration).</li>
 * </ul>
 * Both decoders treat their input as hostile and throw {@link InvalidCommandException} with
 * a message naming what is wrong.
 */
public final class CommandCodec {

    private static final char SEPARATOR = ':';
    private static final int MAX_DEFECT_ID_LENGTH = 128;
    /** The latest expiry time the Redis form holds (18 digits of ms: some 31 million years). */
    static final long MAX_EXPIRY_TIME = 999_999_999_999_999_999L;
    private static final int MAX_HOST_LENGTH = 253;
    private static final int MAX_REDIS_FORM_LENGTH = 512;
    private static final int MAX_PUSH_PAYLOAD_LENGTH = 8192;

    private CommandCodec() {
    }

    /** The Redis member string of {@code command}; its epoch and destination cert are not kept. */
    public static String toRedisString(Command command) {
        validate(command);
        int number = command.getTypeValue();
        if (command.getType() != CommandType.UPLOAD_LOGS) {
            return Integer.toString(number);
        }
        UploadLogsArgs args = command.getUploadLogsArgs();
        StringBuilder sb = new StringBuilder()
                .append(number).append(SEPARATOR)
                .append(args.getDefectId()).append(SEPARATOR)
                .append(Long.toUnsignedString(args.getExpiryTime()));
        if (args.hasDestination()) {
            sb.append(SEPARATOR).append(args.getDestination().getHostname())
                    .append(SEPARATOR).append(args.getDestination().getPort());
        }
        return sb.toString();
    }

    /** Parses a Redis member string; {@code epoch} is the member's score. */
    public static Command fromRedisString(String stored, long epoch) {
        if (stored == null || stored.isEmpty()) {
            throw new InvalidCommandException("empty command string");
        }
        if (stored.length() > MAX_REDIS_FORM_LENGTH) {
            throw new InvalidCommandException("command string longer than " + MAX_REDIS_FORM_LENGTH + " characters");
        }
        String[] parts = stored.split(String.valueOf(SEPARATOR), -1);
        CommandType type = typeOf(parts[0], stored);
        Command.Builder builder = Command.newBuilder().setEpoch(epoch).setType(type);
        if (type != CommandType.UPLOAD_LOGS) {
            if (parts.length != 1) {
                throw new InvalidCommandException("command " + type + " takes no arguments: '" + shown(stored) + "'");
            }
            return builder.build();
        }
        if (parts.length != 3 && !(parts.length >= 5)) {
            throw new InvalidCommandException("UPLOAD_LOGS needs <defect id>:<expiry ms>[:<host>:<port>]: '" + shown(stored) + "'");
        }
        UploadLogsArgs.Builder args = UploadLogsArgs.newBuilder()
                .setDefectId(parts[1])
                .setExpiryTime(parseExpiry(parts[2], stored));
        if (parts.length >= 5) {
            // The host may be a bracketed IPv6 literal that itself holds ':'; the port is last.
            int portStart = stored.lastIndexOf(SEPARATOR);
            int hostStart = parts[0].length() + parts[1].length() + parts[2].length() + 3;
            String host = stored.substring(hostStart, portStart);
            args.setDestination(UploadLogsDestination.newBuilder()
                    .setHostname(host)
                    .setPort(parsePort(stored.substring(portStart + 1), stored)));
        }
        Command command = builder.setUploadLogsArgs(args).build();
        validate(command);
        return command;
    }

    /** Base64 of the protobuf encoding, the payload of a push on {@code cmd/<did>}. */
    public static String toPushPayload(Command command) {
        validate(command);
        return Base64.getEncoder().encodeToString(command.toByteArray());
    }

    /** Decodes and validates a push payload. */
    public static Command fromPushPayload(String payload) {
        if (payload == null || payload.isEmpty()) {
            throw new InvalidCommandException("empty command payload");
        }
        if (payload.length() > MAX_PUSH_PAYLOAD_LENGTH) {
            throw new InvalidCommandException("command payload longer than " + MAX_PUSH_PAYLOAD_LENGTH + " characters");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(payload);
        } catch (IllegalArgumentException e) {
            throw new InvalidCommandException("command payload is not base64: " + e.getMessage());
        }
        Command command;
        try {
            command = Command.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidCommandException("command payload is not a Command: " + e.getMessage());
        }
        validate(command);
        return command;
    }

    /** Checks what protobuf cannot: a known type, and arguments exactly when UPLOAD_LOGS. */
    public static void validate(Command command) {
        if (command.getType() == CommandType.UNRECOGNIZED) {
            throw new InvalidCommandException("unknown command type " + command.getTypeValue());
        }
        if (command.getType() != CommandType.UPLOAD_LOGS) {
            if (command.hasUploadLogsArgs()) {
                throw new InvalidCommandException("command " + command.getType() + " takes no arguments");
            }
            return;
        }
        if (!command.hasUploadLogsArgs()) {
            throw new InvalidCommandException("UPLOAD_LOGS needs its arguments");
        }
        UploadLogsArgs args = command.getUploadLogsArgs();
        String defectId = args.getDefectId();
        if (defectId.isEmpty() || defectId.length() > MAX_DEFECT_ID_LENGTH || !isDefectId(defectId)) {
            throw new InvalidCommandException("defect id must be 1 to " + MAX_DEFECT_ID_LENGTH
                    + " characters of A-Z a-z 0-9 . _ -: '" + shown(defectId) + "'");
        }
        // Checked here, not only when read back: a command that Redis holds but cannot be parsed
        // would block its device's queue.
        if (args.getExpiryTime() < 0 || args.getExpiryTime() > MAX_EXPIRY_TIME) {
            throw new InvalidCommandException("expiry time out of range (0 to " + MAX_EXPIRY_TIME + " ms)");
        }
        if (args.hasDestination()) {
            UploadLogsDestination destination = args.getDestination();
            if (!isHost(destination.getHostname())) {
                throw new InvalidCommandException("not a host name or address: '" + shown(destination.getHostname()) + "'");
            }
            if (destination.getPort() < 1 || destination.getPort() > 65535) {
                throw new InvalidCommandException("port out of range: " + destination.getPort());
            }
        }
    }

    private static CommandType typeOf(String number, String stored) {
        if (number.isEmpty() || number.length() > 3 || !number.chars().allMatch(Character::isDigit)
                || (number.length() > 1 && number.charAt(0) == '0')) {
            throw new InvalidCommandException("command string must start with a type number: '" + shown(stored) + "'");
        }
        CommandType type = CommandType.forNumber(Integer.parseInt(number));
        if (type == null) {
            throw new InvalidCommandException("unknown command type " + number);
        }
        return type;
    }

    private static long parseExpiry(String text, String stored) {
        if (text.isEmpty() || text.length() > 18 || !text.chars().allMatch(Character::isDigit)) {
            throw new InvalidCommandException("expiry must be a time in ms: '" + shown(stored) + "'");
        }
        return Long.parseLong(text);
    }

    private static int parsePort(String text, String stored) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
            throw new InvalidCommandException("port must be a number: '" + shown(stored) + "'");
        }
        return Integer.parseInt(text);
    }

    private static boolean isDefectId(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128 || c == '.' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** A DNS name or IPv4 address, or an IPv6 literal in brackets. */
    private static boolean isHost(String host) {
        if (host.isEmpty() || host.length() > MAX_HOST_LENGTH) {
            return false;
        }
        if (host.charAt(0) == '[') {
            if (host.length() < 4 || host.charAt(host.length() - 1) != ']') {
                return false;
            }
            String inner = host.substring(1, host.length() - 1);
            return inner.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')
                    && inner.indexOf(':') >= 0;
        }
        return host.chars().allMatch(c -> c < 128 && Character.isLetterOrDigit(c) || c == '.' || c == '-')
                && host.charAt(0) != '-' && host.charAt(0) != '.';
    }

    private static String shown(String s) {
        return s.length() <= 80 ? s.replaceAll("\\p{Cntrl}", "?") : s.substring(0, 80).replaceAll("\\p{Cntrl}", "?") + "...";
    }
}
