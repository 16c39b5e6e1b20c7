package dev.aero.common.id;

/**
 * An identifier from outside (a path, a JSON body, a certificate) did not parse. The message
 * names the kind of identifier and the offending value, so that it can be shown to the caller
 * as is.
 */
public final class InvalidIdentifierException extends IllegalArgumentException {

    private final String kind;
    private final String value;

    public InvalidIdentifierException(String kind, String value, String reason) {
        super("invalid " + kind + " '" + printable(value) + "': " + reason);
        this.kind = kind;
        this.value = value;
    }

    public String kind() {
        return kind;
    }

    public String value() {
        return value;
    }

    /** Bounded and control-character free, so hostile input cannot flood or forge a log line. */
    static String printable(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(Math.min(value.length(), 80));
        for (int i = 0; i < value.length() && i < 80; i++) {
            char c = value.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (value.length() > 80) {
            sb.append("...");
        }
        return sb.toString();
    }
}
