package dev.aero.client.sp;

import dev.aero.common.id.UserID;

/** A member of the caller's organization; {@code role} is USER or ADMIN. */
public record Member(UserID userId, String firstName, String lastName, String role, boolean active) {
}
