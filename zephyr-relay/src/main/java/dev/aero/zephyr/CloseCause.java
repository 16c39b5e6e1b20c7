package dev.aero.zephyr;

import java.util.Locale;

/** Why the relay closed or refused a connection; each is counted under its tag. */
public enum CloseCause {
    /** The first four bytes were not MAGIC. */
    BAD_MAGIC,
    /** LENGTH was not 4. */
    BAD_LENGTH,
    /** BIND named a zid that no connection holds. */
    UNKNOWN_ZID,
    /** BIND named the client's own zid. */
    SELF_BIND,
    /** BIND named a client that has bound to, or is paired with, someone else. */
    PEER_BOUND_ELSEWHERE,
    /** No BIND within the bind deadline. */
    BIND_DEADLINE,
    /** The named peer did not bind back within the pairing deadline. */
    PAIRING_DEADLINE,
    /** The peer this client bound to went away before binding back. */
    PEER_GONE,
    /** A bound pair carried no byte for the idle timeout. */
    IDLE_TIMEOUT,
    /** Refused on arrival: the maximum number of connections is open. */
    MAX_CONNECTIONS,
    /** Refused on arrival: the process is out of file descriptors. */
    FD_LIMIT,
    /** The socket failed (reset by the client, broken pipe). */
    IO_ERROR,
    /** The relay is shutting down. */
    SHUTDOWN;

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isRefusal() {
        return this == MAX_CONNECTIONS || this == FD_LIMIT;
    }
}
