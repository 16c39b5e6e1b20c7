package dev.aero.sp.ratelimit;

import org.springframework.stereotype.Component;

import dev.aero.common.id.UserID;
import dev.aero.sp.SpProperties;

/**
 * The per-user limits on actions that cost others something: invitations (each may send a mail)
 * and device registrations (each signs a certificate). A refused attempt is 429 with
 * {@code Retry-After} ({@link RateLimiter}).
 */
@Component
public class UserActionLimits {

    private final RateLimiter limiter;
    private final SpProperties properties;

    UserActionLimits(RateLimiter limiter, SpProperties properties) {
        this.limiter = limiter;
        this.properties = properties;
    }

    /** An invitation to the organization or to a shared folder, by this user. */
    public void invitation(UserID user) {
        limiter.acquire("invitation", "user", user.value(), properties.rateLimits().invitationsPerUser());
    }

    /** A device (or team server) registered by this user. */
    public void deviceRegistration(UserID user) {
        limiter.acquire("device-registration", "user", user.value(), properties.rateLimits().deviceRegistrationsPerUser());
    }
}
