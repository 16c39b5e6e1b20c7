package dev.aero.client.sp;

import java.nio.charset.StandardCharsets;

/**
 * Percent-encoding of one URI path segment (RFC 3986): everything but unreserved characters;
 * as strict, it is also a query parameter's value.
 */
final class PathSegments {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PathSegments() {
    }

    static String encode(String raw) {
        if (raw == null || raw.isEmpty()) {
            throw new IllegalArgumentException("a path segment cannot be empty");
        }
        StringBuilder encoded = new StringBuilder(raw.length() + 8);
        for (byte b : raw.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (isUnreserved(c)) {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(HEX[c >> 4]).append(HEX[c & 0x0f]);
            }
        }
        return encoded.toString();
    }

    private static boolean isUnreserved(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
