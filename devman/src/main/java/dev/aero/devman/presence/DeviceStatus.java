package dev.aero.devman.presence;

import java.time.Instant;
import java.util.List;

/**
 * What devman knows of one device: when it was last seen (now, while it is online), its last
 * address, and the transports it is online through ({@code ssmp}: a verkehr connection,
 * {@code xmpp}: an XMPP room). {@code lastSeen} is null for a device never seen.
 */
public record DeviceStatus(Instant lastSeen, String address, List<String> onlineVia) {

    public boolean seen() {
        return lastSeen != null;
    }

    public boolean online() {
        return !onlineVia.isEmpty();
    }
}
