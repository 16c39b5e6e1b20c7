package dev.aero.client.store;

import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.xmpp.MaxcastFrame;

/** What a device hears from the other devices of its stores: maxcast frames and transport candidates. */
public interface StoreListener {

    /** A maxcast frame from another device of the store. */
    default void onMaxcast(SID store, DID from, MaxcastFrame frame) {
    }

    /** Another device's transport candidates (one line of JSON). */
    default void onCandidates(SID store, DID from, String json) {
    }
}
