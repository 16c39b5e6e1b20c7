package dev.aero.client.xmpp;

import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.xmpp.MaxcastFrame;

/** What a device hears in its stores' rooms. Called on Smack's threads; keep it short. */
public interface XmppListener {

    /** A maxcast frame from another device of the store (over XMPP, or relayed from verkehr by the bridge). */
    default void onMaxcast(SID store, DID from, MaxcastFrame frame) {
    }

    /** Another device's transport candidates (JSON). */
    default void onCandidates(SID store, DID from, String json) {
    }

    /** Signed in (the first time, or again after a reconnect with a fresh token); the rooms are being joined. */
    default void onConnected() {
    }

    /** The session ended; the client reconnects by itself unless it was closed. */
    default void onDisconnected(Throwable cause) {
    }
}
