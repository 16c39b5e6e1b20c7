package dev.aero.client.sp;

import java.time.Instant;

import dev.aero.common.id.UserID;

/** A user's profile. {@code organizationId} is the organization id in hex; {@code role} is USER or ADMIN. */
public record User(UserID userId, String firstName, String lastName, String organizationId, String role,
                   Instant createdAt) {
}
