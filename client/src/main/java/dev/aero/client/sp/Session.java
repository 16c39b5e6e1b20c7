package dev.aero.client.sp;

import java.time.Instant;

import dev.aero.common.id.UserID;

/** A signed-in session; pass {@code token} to {@link SpClient#withToken(String)}. */
public record Session(String token, Instant expiresAt, UserID userId) {

    // Keeps the bearer token out of logs and assertion messages.
    @Override
    public String toString() {
        return "Session[token=<hidden>, expiresAt=" + expiresAt + ", userId=" + userId + "]";
    }
}
