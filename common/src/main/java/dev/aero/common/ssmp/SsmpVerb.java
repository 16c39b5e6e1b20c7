package dev.aero.common.ssmp;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/** The request verbs of SSMP 1.1; {@link #UNKNOWN} stands for any other well-formed verb (501). */
public enum SsmpVerb {
    LOGIN, CLOSE, PING, PONG, SUBSCRIBE, UNSUBSCRIBE, UCAST, MCAST, BCAST, UNKNOWN;

    private static final Map<String, SsmpVerb> BY_NAME = Arrays.stream(values()).filter(v -> v != UNKNOWN)
            .collect(Collectors.toUnmodifiableMap(Enum::name, v -> v));

    /** The verb named {@code name}; {@link #UNKNOWN} for any other. */
    public static SsmpVerb of(String name) {
        return BY_NAME.getOrDefault(name, UNKNOWN);
    }
}
