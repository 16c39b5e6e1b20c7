package dev.aero.zephyr;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import dev.aero.common.zephyr.ZephyrWire;

/**
 * The live connections by zid. This is the one map shared across connections, and the reason
 * is the protocol itself: a BIND names its peer by the zid the peer learned out of band, so the
 * relay must find any live connection by zid. State changes that involve two connections
 * (binding, pairing, closing a waiting peer) happen under {@link #lock}; they are rare next to
 * relayed bytes, which never take it.
 */
final class ZidRegistry {

    final Object lock = new Object();
    private final Map<Integer, RelayConnection> byZid = new ConcurrentHashMap<>();

    /** Gives {@code connection} a random zid in [0, 2^31 - 1] that no live connection holds. */
    int register(RelayConnection connection) {
        while (true) {
            int zid = ThreadLocalRandom.current().nextInt() & ZephyrWire.MAX_ZID;
            if (byZid.putIfAbsent(zid, connection) == null) {
                return zid;
            }
        }
    }

    RelayConnection lookup(int zid) {
        return byZid.get(zid);
    }

    void unregister(int zid, RelayConnection connection) {
        byZid.remove(zid, connection);
    }

    int size() {
        return byZid.size();
    }
}
