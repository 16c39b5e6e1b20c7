package dev.aero.sp.account;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Bearer tokens, reset tokens and invitation codes: 256 random bits, base64url. Only their
 * SHA-256 (hex) is stored, so a database dump grants nothing.
 */
public final class SecretTokens {

    private static final SecureRandom RANDOM = new SecureRandom();
    /** Longer input than any token we issue is not worth hashing. */
    static final int MAX_LENGTH = 128;

    private SecretTokens() {
    }

    public static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the text could be a token we issued (cheap shape check before any lookup). */
    public static boolean plausible(String token) {
        return token != null && !token.isEmpty() && token.length() <= MAX_LENGTH && token.matches("[A-Za-z0-9_-]+");
    }
}
