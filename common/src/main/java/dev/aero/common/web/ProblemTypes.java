package dev.aero.common.web;

import java.net.URI;

import org.springframework.http.HttpStatusCode;

/**
 * The stable {@code type} of every problem+json error: {@code urn:aero:problem:<slug>}.
 * Clients switch on the type, never on {@code title} or {@code detail}. The slugs are listed in
 * docs/problems.md.
 */
public final class ProblemTypes {

    public static final String PREFIX = "urn:aero:problem:";

    public static final URI VALIDATION = of("validation");
    public static final URI MALFORMED_REQUEST = of("malformed-request");
    public static final URI INVALID_IDENTIFIER = of("invalid-identifier");
    public static final URI NOT_FOUND = of("not-found");
    public static final URI METHOD_NOT_ALLOWED = of("method-not-allowed");
    public static final URI UNSUPPORTED_MEDIA_TYPE = of("unsupported-media-type");
    public static final URI NOT_ACCEPTABLE = of("not-acceptable");
    public static final URI PAYLOAD_TOO_LARGE = of("payload-too-large");
    public static final URI INTERNAL_ERROR = of("internal-error");

    private ProblemTypes() {
    }

    public static URI of(String slug) {
        if (!slug.matches("[a-z0-9]+(-[a-z0-9]+)*")) {
            throw new IllegalArgumentException("problem slug must be lower-case words joined by '-': " + slug);
        }
        return URI.create(PREFIX + slug);
    }

    /** The type for a status that no handler gave a more specific one. */
    static URI forStatus(HttpStatusCode status) {
        return switch (status.value()) {
            case 400 -> MALFORMED_REQUEST;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 406 -> NOT_ACCEPTABLE;
            case 413 -> PAYLOAD_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            default -> status.is5xxServerError() ? INTERNAL_ERROR : of("http-" + status.value());
        };
    }
}
