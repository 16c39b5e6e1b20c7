package dev.aero.client.sp;

import java.time.Instant;

/** An invitation to the caller's organization; the code is also mailed to {@code email}. */
public record Invitation(String email, String invitationCode, Instant expiresAt) {
}
