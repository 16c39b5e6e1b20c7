package dev.aero.client.xmpp;

import dev.aero.client.store.StoreListener;

/**
 * What a device hears in its stores' rooms: the frames and candidates of {@link StoreListener}
 * (a device's own in the room, or relayed from verkehr by the bridge), and its session's state.
 * Called on Smack's threads; keep it short.
 */
public interface XmppListener extends StoreListener {

    /** Signed in (the first time, or again after a reconnect with a fresh token); the rooms are being joined. */
    default void onConnected() {
    }

    /** The session ended; the client reconnects by itself unless it was closed. */
    default void onDisconnected(Throwable cause) {
    }
}
