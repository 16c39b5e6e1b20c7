package dev.aero.client.ssmp;

import java.nio.charset.StandardCharsets;

/**
 * The server answered a request with a code other than 200: 400 bad request, 401 unauthorized
 * (payload: the supported login schemes, or a topic this identity may not subscribe), 404 not
 * found, 405 not allowed, 409 conflict, 501 not implemented. Switch on {@link #code()}.
 */
public final class SsmpException extends RuntimeException {

    private final int code;
    private final byte[] payload;

    public SsmpException(int code, byte[] payload, String request) {
        super(request + " answered " + code + (payload.length > 0 ? ": " + new String(payload, StandardCharsets.UTF_8) : ""));
        this.code = code;
        this.payload = payload.clone();
    }

    public int code() {
        return code;
    }

    /** The answer's payload; empty if it had none. */
    public byte[] payload() {
        return payload.clone();
    }

    /** The payload read as UTF-8, e.g. {@code "cert secret"} in a 401 to LOGIN. */
    public String payloadText() {
        return new String(payload, StandardCharsets.UTF_8);
    }
}
