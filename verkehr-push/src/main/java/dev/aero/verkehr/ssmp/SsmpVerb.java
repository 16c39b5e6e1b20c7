package dev.aero.verkehr.ssmp;

/** The request verbs of SSMP 1.1; {@link #UNKNOWN} stands for any other well-formed verb (501). */
public enum SsmpVerb {
    LOGIN, CLOSE, PING, PONG, SUBSCRIBE, UNSUBSCRIBE, UCAST, MCAST, BCAST, UNKNOWN;

    static SsmpVerb of(String name) {
        return switch (name) {
            case "LOGIN" -> LOGIN;
            case "CLOSE" -> CLOSE;
            case "PING" -> PING;
            case "PONG" -> PONG;
            case "SUBSCRIBE" -> SUBSCRIBE;
            case "UNSUBSCRIBE" -> UNSUBSCRIBE;
            case "UCAST" -> UCAST;
            case "MCAST" -> MCAST;
            case "BCAST" -> BCAST;
            default -> UNKNOWN;
        };
    }
}
