package dev.aero.common.ssmp;

/**
 * SSMP 1.1's response codes, the first field of every line the server sends. {@link #EVENT}
 * ({@code 000}) marks a server event, so that events can interleave with responses.
 */
public final class SsmpCode {

    /** {@code 000}: not a response but an event: {@code 000 <from> <verb> ...}. */
    public static final int EVENT = 0;
    /** The request was carried out. */
    public static final int OK = 200;
    /** The request broke the grammar: the server closes the connection after this. */
    public static final int BAD_REQUEST = 400;
    /** Authentication failed (then closed) or the identity may not use the topic; the payload lists the server's login schemes. */
    public static final int UNAUTHORIZED = 401;
    /** UCAST to an id with no connection; UNSUBSCRIBE from a topic not subscribed. */
    public static final int NOT_FOUND = 404;
    /** Not allowed in this state: a second LOGIN; SUBSCRIBE, UNSUBSCRIBE or BCAST by the anonymous id. */
    public static final int NOT_ALLOWED = 405;
    /** SUBSCRIBE to a topic already subscribed. */
    public static final int CONFLICT = 409;
    /** A well-formed verb the server does not implement; the connection stays open. */
    public static final int NOT_IMPLEMENTED = 501;

    private SsmpCode() {
    }
}
