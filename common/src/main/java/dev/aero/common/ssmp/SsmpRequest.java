package dev.aero.common.ssmp;

/**
 * One decoded client request.
 *
 * @param verb the verb ({@link SsmpVerb#UNKNOWN} for verbs this server does not implement)
 * @param name the verb as sent
 * @param target the id (LOGIN, UCAST) or topic (SUBSCRIBE, UNSUBSCRIBE, MCAST); null otherwise
 * @param scheme the LOGIN scheme; null otherwise
 * @param presence SUBSCRIBE ... PRESENCE
 * @param payload the payload exactly as on the wire (the binary form keeps its two length
 *        bytes), so that it can be forwarded byte for byte; the LOGIN credential; null if none
 */
public record SsmpRequest(SsmpVerb verb, String name, String target, String scheme, boolean presence, byte[] payload) {
}
