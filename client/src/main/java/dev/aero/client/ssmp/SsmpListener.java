package dev.aero.client.ssmp;

/**
 * What an {@link SsmpClient} hears: messages, presence and its own connection state. Every method
 * runs on the client's reader thread, in the order things arrived; a method that blocks holds up
 * everything behind it, and a blocking request from here would wait for itself (the client
 * refuses it: use the {@code ...Async} forms). An exception thrown here is logged and dropped.
 */
public interface SsmpListener {

    /** {@code from} sent {@code payload} to this client's id. */
    default void onUnicast(String from, byte[] payload) {
    }

    /** {@code from} sent {@code payload} to {@code topic}, which this client subscribed. */
    default void onMulticast(String from, String topic, byte[] payload) {
    }

    /** {@code from}, which shares at least one topic with this client, broadcast {@code payload}. */
    default void onBroadcast(String from, byte[] payload) {
    }

    /** Presence on a topic subscribed with PRESENCE: {@code id} holds {@code topic}. */
    default void onPeerSubscribed(String id, String topic) {
    }

    /** Presence on a topic subscribed with PRESENCE: {@code id} no longer holds {@code topic}. */
    default void onPeerUnsubscribed(String id, String topic) {
    }

    /**
     * Logged in, the first time or again after a reconnect; the topics subscribed before have just
     * been asked for again, and their answers and presence events follow.
     */
    default void onConnected() {
    }

    /**
     * A logged-in connection ended ({@code cause} is null when {@link SsmpClient#close()} ended
     * it), or the client gave up reconnecting: then {@code reconnecting} is false and {@code cause}
     * says why, e.g. an {@link SsmpException} with code 401 when LOGIN was refused.
     */
    default void onDisconnected(Throwable cause, boolean reconnecting) {
    }

    /**
     * After a reconnect the server refused a topic this client had held (e.g. 401: the identity
     * may no longer subscribe it). The topic is dropped and will not be asked for again.
     */
    default void onSubscriptionLost(String topic, SsmpException cause) {
    }
}
