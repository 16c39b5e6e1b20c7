package dev.aero.client.sp;

import java.time.Instant;
import java.util.List;

import dev.aero.common.id.DID;
import dev.aero.common.id.UserID;

/**
 * A registered device. {@code lastSeenTime}, {@code online} and {@code onlineVia} come from devman
 * and are null when SP could not ask it.
 */
public record Device(DID deviceId, UserID owner, String name, String osFamily, String osName, Instant registeredAt,
                     String certificateSerial, Instant certificateExpiresAt, Instant lastSeenTime, Boolean online,
                     List<String> onlineVia) {
}
