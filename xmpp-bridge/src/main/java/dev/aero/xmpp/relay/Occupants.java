package dev.aero.xmpp.relay;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.aero.common.id.DID;

/**
 * Who is in each room, as ejabberd tells the bridge (the room's owner sees every occupant's
 * real JID): nickname to the device whose account it is. A device is known by its real JID,
 * never by the nickname it chose, so it cannot speak as another device.
 */
final class Occupants {

    /** One occupant: its device and full JID (the session). */
    record Occupant(DID device, String fullJid) { }

    private final Map<String, Map<String, Occupant>> byRoom = new ConcurrentHashMap<>();

    void joined(String room, String nick, Occupant occupant) {
        byRoom.computeIfAbsent(room, r -> new ConcurrentHashMap<>()).put(nick, occupant);
    }

    Optional<Occupant> left(String room, String nick) {
        Map<String, Occupant> occupants = byRoom.get(room);
        return occupants == null ? Optional.empty() : Optional.ofNullable(occupants.remove(nick));
    }

    Optional<Occupant> get(String room, String nick) {
        Map<String, Occupant> occupants = byRoom.get(room);
        return occupants == null ? Optional.empty() : Optional.ofNullable(occupants.get(nick));
    }

    /** How many devices are in the bridge's rooms now (a device in two rooms counts twice). */
    int count() {
        int n = 0;
        for (Map<String, Occupant> room : byRoom.values()) {
            n += room.size();
        }
        return n;
    }

    /** Forgets a room (the bridge left it, or lost its connection); returns who was in it. */
    Map<String, Occupant> forget(String room) {
        Map<String, Occupant> occupants = byRoom.remove(room);
        return occupants == null ? Map.of() : occupants;
    }
}
