package dev.aero.common.ssmp;

/**
 * One line from an SSMP server, decoded by {@link SsmpMessageReader}: either the answer to the
 * oldest unanswered request, or an event ({@code 000 <from> ...}) that may arrive between answers.
 * Payloads are the application's bytes: text form as sent, binary form without its length prefix.
 * Like every record holding an array, these compare payloads by identity: use {@code Arrays.equals}.
 */
public sealed interface SsmpMessage {

    /** {@code NNN [payload]}; {@code payload} is empty when the line has none. */
    record Response(int code, byte[] payload) implements SsmpMessage {
    }

    /** {@code 000 <from> ...}; {@code from} is {@code .} for the server itself and for anonymous senders. */
    sealed interface Event extends SsmpMessage {
        String from();
    }

    /** {@code 000 <from> UCAST <to> <payload>}: a message for this connection's id. */
    record Unicast(String from, String to, byte[] payload) implements Event {
    }

    /** {@code 000 <from> MCAST <topic> <payload>}: a message to a topic this connection subscribed. */
    record Multicast(String from, String topic, byte[] payload) implements Event {
    }

    /** {@code 000 <from> BCAST <payload>}: sent to every peer sharing a topic with {@code from}. */
    record Broadcast(String from, byte[] payload) implements Event {
    }

    /** {@code 000 <id> SUBSCRIBE <topic>}: presence, {@code from} now holds {@code topic}. */
    record Subscribed(String from, String topic) implements Event {
    }

    /** {@code 000 <id> UNSUBSCRIBE <topic>}: presence, {@code from} no longer holds {@code topic}. */
    record Unsubscribed(String from, String topic) implements Event {
    }

    /** {@code 000 . PING}: the server wants a PONG. */
    record Ping(String from) implements Event {
    }

    /** {@code 000 . PONG}: the server's answer to a PING. */
    record Pong(String from) implements Event {
    }

    /**
     * An event with a verb this client does not know (later protocol versions). {@code arguments}
     * are the line's bytes after {@code <verb> } as received, a binary payload's prefix included.
     */
    record Unknown(String from, String verb, byte[] arguments) implements Event {
    }
}
