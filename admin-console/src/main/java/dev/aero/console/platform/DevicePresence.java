package dev.aero.console.platform;

import java.time.Instant;
import java.util.List;

/** What devman knows of one device: last seen (now while online), last address, transports. */
public record DevicePresence(String did, Instant lastSeenTime, String ipAddress, boolean online, List<String> onlineVia) {
}
