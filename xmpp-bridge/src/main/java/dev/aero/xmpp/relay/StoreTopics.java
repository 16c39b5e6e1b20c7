package dev.aero.xmpp.relay;

import dev.aero.common.id.SID;
import dev.aero.common.ssmp.StoreMessage;

/** The verkehr side of the relay: the store topics the bridge holds and publishes on. */
public interface StoreTopics {

    /** Relay this store: subscribe to its topic (idempotent). */
    void follow(SID sid);

    /** Stop relaying this store (idempotent). */
    void unfollow(SID sid);

    /** MCAST the message on the store's topic, as the bridge; false when it could not be sent now. */
    boolean publish(SID sid, StoreMessage message);
}
