package dev.aero.common.ssmp;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import dev.aero.common.id.DID;

/**
 * What devices of a store tell each other on its verkehr topic {@code <sid>}, and xmpp-bridge
 * relays to and from the store's XMPP room (docs/protocols/xmpp.md): a maxcast frame,
 * {@code mc <did> <base64 frame>}, or transport candidates, {@code loc <did> <json>}, where
 * {@code <did>} is the device that sent it. verkehr refuses a device's line that names another
 * device.
 */
public record StoreMessage(Kind kind, DID device, String body) {

    /** The two kinds, by their first word. */
    public enum Kind {
        MAXCAST("mc"), CANDIDATES("loc");

        private final String word;

        Kind(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    public StoreMessage {
        if (body.isEmpty() || body.indexOf('\n') >= 0 || body.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a store message's body is one non-empty line");
        }
    }

    /** The payload as it goes on the topic. */
    public byte[] payload() {
        return (kind.word() + ' ' + device.hex() + ' ' + body).getBytes(StandardCharsets.UTF_8);
    }

    /** The message in a topic payload; empty when the payload is not a well-formed {@code mc} or {@code loc} line. */
    public static Optional<StoreMessage> parse(byte[] payload) {
        Kind kind = kindOf(payload);
        if (kind == null) {
            return Optional.empty();
        }
        String text = new String(payload, StandardCharsets.UTF_8);
        int start = kind.word().length() + 1;
        int space = text.indexOf(' ', start);
        if (space != start + 32 || space + 1 >= text.length()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new StoreMessage(kind, DID.of(text.substring(start, space)), text.substring(space + 1)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The device an {@code mc} or {@code loc} payload claims to come from, as written (the word
     * after the kind, up to the next space); null for any other payload.
     */
    public static String claimedSender(byte[] payload) {
        Kind kind = kindOf(payload);
        if (kind == null) {
            return null;
        }
        int start = kind.word().length() + 1;
        int end = start;
        while (end < payload.length && payload[end] != ' ') {
            end++;
        }
        return new String(payload, start, end - start, StandardCharsets.US_ASCII);
    }

    private static Kind kindOf(byte[] payload) {
        for (Kind kind : Kind.values()) {
            String word = kind.word();
            if (payload.length > word.length() && payload[word.length()] == ' ' && startsWith(payload, word)) {
                return kind;
            }
        }
        return null;
    }

    private static boolean startsWith(byte[] payload, String word) {
        for (int i = 0; i < word.length(); i++) {
            if (payload[i] != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
