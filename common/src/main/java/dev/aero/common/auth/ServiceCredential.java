package dev.aero.common.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * How one service authenticates to another:
 * {@code Authorization: Aero-Service-Shared-Secret <service name> <deployment secret>}.
 * The scheme is matched case-insensitively (as HTTP auth schemes are); the service name is
 * 1-64 characters of {@code a-z 0-9 -}; the secret 1-512 visible ASCII characters.
 */
public record ServiceCredential(String serviceName, String secret) {

    public static final String HEADER = "Authorization";
    public static final String SCHEME = "Aero-Service-Shared-Secret";
    private static final int MAX_SERVICE_NAME_LENGTH = 64;
    private static final int MAX_SECRET_LENGTH = 512;

    public ServiceCredential {
        String problem = serviceNameProblem(serviceName);
        if (problem == null) {
            problem = secretProblem(secret);
        }
        if (problem != null) {
            throw new InvalidServiceCredentialException(problem);
        }
    }

    /** Parses an Authorization header value; never echoes the secret in its error messages. */
    public static ServiceCredential parse(String headerValue) {
        if (headerValue == null || headerValue.isEmpty()) {
            throw new InvalidServiceCredentialException("missing Authorization header");
        }
        int first = headerValue.indexOf(' ');
        if (first < 0 || !headerValue.substring(0, first).toLowerCase(Locale.ROOT).equals(SCHEME.toLowerCase(Locale.ROOT))) {
            throw new InvalidServiceCredentialException("expected the " + SCHEME + " scheme");
        }
        int second = headerValue.indexOf(' ', first + 1);
        if (second < 0) {
            throw new InvalidServiceCredentialException("expected '" + SCHEME + " <service> <secret>'");
        }
        return new ServiceCredential(headerValue.substring(first + 1, second), headerValue.substring(second + 1));
    }

    /** The Authorization header value carrying this credential. */
    public String toHeaderValue() {
        return SCHEME + ' ' + serviceName + ' ' + secret;
    }

    /**
     * Whether this credential carries {@code expectedSecret}. Compares SHA-256 digests with
     * {@link MessageDigest#isEqual}, so the time taken reveals neither the secret's content nor
     * its length.
     */
    public boolean secretMatches(String expectedSecret) {
        if (expectedSecret == null || expectedSecret.isEmpty()) {
            return false;
        }
        return MessageDigest.isEqual(sha256(secret), sha256(expectedSecret));
    }

    /**
     * {@link #secretMatches(String)} against the {@link #digest(String)} of the expected secret,
     * which a server computes once instead of for every request.
     */
    public boolean secretMatchesDigest(byte[] expectedDigest) {
        return expectedDigest != null && MessageDigest.isEqual(sha256(secret), expectedDigest);
    }

    /** The SHA-256 digest of a secret, for {@link #secretMatchesDigest(byte[])}; null for none. */
    public static byte[] digest(String secret) {
        return secret == null || secret.isEmpty() ? null : sha256(secret);
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "ServiceCredential[" + serviceName + "]";
    }

    private static String serviceNameProblem(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_SERVICE_NAME_LENGTH) {
            return "service name must have 1 to " + MAX_SERVICE_NAME_LENGTH + " characters";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return "service name may hold only a-z 0-9 and '-'";
            }
        }
        return null;
    }

    private static String secretProblem(String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > MAX_SECRET_LENGTH) {
            return "secret must have 1 to " + MAX_SECRET_LENGTH + " characters";
        }
        for (int i = 0; i < secret.length(); i++) {
            char c = secret.charAt(i);
            if (c <= ' ' || c > '~') {
                return "secret may hold only visible ASCII characters";
            }
        }
        return null;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
