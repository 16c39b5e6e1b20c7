package dev.aero.xmpp.rooms;

import java.io.IOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.xmpp.ejabberd.EjabberdApi;
import dev.aero.xmpp.sp.SpStores;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Brings one store's room in line with SP: a live folder has a room (created with the room
 * options of docs/protocols/xmpp.md) whose members are exactly the bare JIDs of the store's
 * devices; a destroyed or unknown folder has none. ejabberd removes an occupant whose
 * membership is taken away (status 321). Calls for one store run one at a time.
 */
public class RoomKeeper {

    private static final Logger log = LoggerFactory.getLogger(RoomKeeper.class);
    private static final String MEMBER = "member";

    private final EjabberdApi ejabberd;
    private final String domain;
    private final Map<SID, Object> locks = new ConcurrentHashMap<>();
    private final RoomListener listener;
    private final Counter created;
    private final Counter destroyed;
    private final Counter granted;
    private final Counter revoked;

    public RoomKeeper(EjabberdApi ejabberd, String domain, MeterRegistry meters) {
        this(ejabberd, domain, RoomListener.NONE, meters);
    }

    /** {@code listener} hears of each room once it is in line (the relay joins it, or forgets it). */
    public RoomKeeper(EjabberdApi ejabberd, String domain, RoomListener listener, MeterRegistry meters) {
        this.listener = listener;
        this.ejabberd = ejabberd;
        this.domain = domain;
        this.created = changes(meters, "room-created");
        this.destroyed = changes(meters, "room-destroyed");
        this.granted = changes(meters, "member-added");
        this.revoked = changes(meters, "member-removed");
    }

    private static Counter changes(MeterRegistry meters, String change) {
        return Counter.builder("aero.xmpp.rooms.changes").description("changes made to rooms to bring them in line with SP")
                .tag("change", change).register(meters);
    }

    /** Makes the store's room what SP says; returns how many changes that took. */
    public int keep(SpStores.Store store) throws IOException, InterruptedException {
        Object lock = locks.computeIfAbsent(store.sid(), s -> new Object());
        synchronized (lock) {
            try {
                if (store.exists()) {
                    int changes = keepLive(store);
                    listener.roomExists(store.sid());
                    return changes;
                }
                int changes = drop(store.sid());
                listener.roomGone(store.sid());
                return changes;
            } finally {
                locks.remove(store.sid(), lock);
            }
        }
    }

    private int drop(SID sid) throws IOException, InterruptedException {
        if (ejabberd.destroyRoom(sid.hex())) {
            destroyed.increment();
            log.info("room {} destroyed: the folder is gone", sid);
            return 1;
        }
        return 0;
    }

    private int keepLive(SpStores.Store store) throws IOException, InterruptedException {
        String room = store.sid().hex();
        int changes = 0;
        Set<String> members = new HashSet<>();
        if (ejabberd.createRoom(room)) {
            created.increment();
            changes++;
        } else {
            ejabberd.affiliations(room).forEach((jid, affiliation) -> {
                if (MEMBER.equals(affiliation)) {
                    members.add(jid);
                }
            });
        }
        Set<String> wanted = new HashSet<>();
        for (DID did : store.devices()) {
            wanted.add(did.hex() + "@" + domain);
        }
        for (String jid : wanted) {
            if (!members.contains(jid)) {
                ejabberd.setAffiliation(room, jid, MEMBER);
                granted.increment();
                changes++;
            }
        }
        for (String jid : members) {
            if (!wanted.contains(jid)) {
                // ejabberd takes the device out of the room at once (status 321).
                ejabberd.setAffiliation(room, jid, "none");
                revoked.increment();
                changes++;
            }
        }
        if (changes > 0) {
            log.debug("room {}: {} change(s), {} member(s)", room, changes, wanted.size());
        }
        return changes;
    }
}
