package dev.aero.client.sp;

import java.util.Map;

/**
 * SP answered with a status outside 2xx. The fields come from its {@code application/problem+json}
 * body; switch on {@link #type()}, which is stable, never on the title or detail. When the body
 * was not a JSON object, {@code type} and {@code title} are null and {@code detail} is the raw text.
 */
public final class SpApiException extends RuntimeException {

    private final int status;
    private final String type;
    private final String title;
    private final String detail;
    private final Map<String, Object> properties;

    public SpApiException(int status, String type, String title, String detail, Map<String, Object> properties) {
        super(message(status, type, title, detail));
        this.status = status;
        this.type = type;
        this.title = title;
        this.detail = detail;
        this.properties = Map.copyOf(properties);
    }

    private static String message(int status, String type, String title, String detail) {
        StringBuilder message = new StringBuilder("SP answered ").append(status);
        if (type != null) {
            message.append(' ').append(type);
        }
        if (detail != null) {
            message.append(": ").append(detail);
        } else if (title != null) {
            message.append(": ").append(title);
        }
        return message.toString();
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return detail;
    }

    /** Every member of the problem object, the standard ones included; empty if the body was not JSON. */
    public Map<String, Object> properties() {
        return properties;
    }
}
