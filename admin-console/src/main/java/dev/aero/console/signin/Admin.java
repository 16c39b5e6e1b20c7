package dev.aero.console.signin;

import java.io.Serializable;
import java.time.Instant;

import dev.aero.client.sp.SpClient;

/**
 * The signed-in admin, kept in the server-side session only: SP's bearer token never reaches
 * the browser. {@code expiresAt} is the token's end; the session ends with it.
 */
public record Admin(String email, String displayName, String token, Instant expiresAt) implements Serializable {

    /** SP, called as this admin. */
    public SpClient sp(SpClient sp) {
        return sp.withToken(token);
    }

    @Override
    public String toString() {
        return "Admin[" + email + "]";
    }
}
