package dev.aero.common.logging;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

import org.slf4j.MDC;

/**
 * The id a request carries through the platform: {@code X-Request-Id} on HTTP, {@code request_id}
 * in every log line written while it is handled (the JSON logs' field of that name). A service
 * takes the caller's id when it is well formed (1-64 of {@code A-Z a-z 0-9 . _ -}), else makes
 * one; calls it makes to other services while handling the request carry the same id.
 */
public final class RequestIds {

    public static final String HEADER = "X-Request-Id";
    public static final String MDC_KEY = "request_id";

    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private RequestIds() {
    }

    /** The caller's id when it is well formed, else a new one (16 random bytes, hex). */
    public static String acceptOrMake(String offered) {
        if (offered != null && WELL_FORMED.matcher(offered).matches()) {
            return offered;
        }
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    /** The id of the request this thread is handling; null outside one. */
    public static String current() {
        return MDC.get(MDC_KEY);
    }
}
