package dev.aero.sp.account;

import java.time.Clock;
import java.time.Instant;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.util.UriComponentsBuilder;

import dev.aero.common.id.UserID;
import dev.aero.common.web.ApiProblemException;
import dev.aero.sp.SpProperties;
import dev.aero.common.audit.AuditEventType;
import dev.aero.sp.audit.AuditLog;
import dev.aero.sp.mail.Mailer;
import dev.aero.sp.ratelimit.RateLimiter;
import dev.aero.sp.web.ClientAddress;

/**
 * Password reset by mail. Asking always looks the same to the caller, whether or not the
 * account exists. A token is single-use, expires, and using it ends every session of the user
 * and voids the user's other reset links.
 */
@Service
public class PasswordResetService {

    private final UserAccounts users;
    private final PasswordResets resets;
    private final Sessions sessions;
    private final PasswordHasher hasher;
    private final PasswordPolicy policy;
    private final RateLimiter limiter;
    private final Mailer mailer;
    private final AuditLog audit;
    private final SpProperties properties;
    private final TransactionTemplate tx;
    private final Clock clock;

    PasswordResetService(UserAccounts users, PasswordResets resets, Sessions sessions, PasswordHasher hasher,
            PasswordPolicy policy, RateLimiter limiter, Mailer mailer, AuditLog audit, SpProperties properties,
            TransactionTemplate tx, Clock clock) {
        this.users = users;
        this.resets = resets;
        this.sessions = sessions;
        this.hasher = hasher;
        this.policy = policy;
        this.limiter = limiter;
        this.mailer = mailer;
        this.audit = audit;
        this.properties = properties;
        this.tx = tx;
        this.clock = clock;
    }

    public void request(String email, ClientAddress from) {
        limiter.acquire("password-reset", "address", from.value(), properties.rateLimits().passwordResetPerAddress());
        UserID id = AccountService.parseOrNull(email);
        if (id == null || id.isTeamServer()) {
            return;
        }
        limiter.acquire("password-reset", "account", id.value(), properties.rateLimits().passwordResetPerAccount());
        tx.executeWithoutResult(s -> users.findById(id.value()).filter(UserAccount::active).ifPresent(user -> {
            String token = SecretTokens.newToken();
            Instant now = clock.instant();
            resets.save(new PasswordReset(SecretTokens.hash(token), id.value(), now, now.plus(properties.passwordResetLifetime())));
            audit.record(AuditEventType.PASSWORD_RESET_REQUESTED, null, id, from);
            String link = UriComponentsBuilder.fromUri(properties.publicUrl()).path("/reset-password")
                    .queryParam("token", token).build().toUriString();
            mailer.send("password-reset", id.value(), "Reset your password",
                    "Someone asked to reset the password of " + id.value() + ".\n\n"
                            + "To choose a new password, open this link within " + properties.passwordResetLifetime().toMinutes()
                            + " minutes:\n\n" + link + "\n\nThe token in it is: " + token
                            + "\n\nIf you did not ask for this, ignore this mail; your password stays as it is.\n");
        }));
    }

    public void reset(String token, String newPassword, ClientAddress from) {
        limiter.acquire("password-reset", "address", from.value(), properties.rateLimits().passwordResetPerAddress());
        if (!SecretTokens.plausible(token)) {
            throw invalidToken();
        }
        String hash = SecretTokens.hash(token);
        // Checked before hashing (no slow work for a bad token), and again under lock after it.
        tx.executeWithoutResult(s -> policy.check(newPassword, lockUsable(hash).user().id()));
        // Hashed between the two transactions: the hash is slow and must not hold a lock.
        String passwordHash = hasher.hash(newPassword);
        tx.executeWithoutResult(s -> {
            UsableReset usable = lockUsable(hash);
            PasswordReset reset = usable.reset();
            UserAccount user = usable.user();
            Instant now = clock.instant();
            reset.use(now);
            resets.invalidateAllOf(user.id().value(), now);
            user.setPasswordHash(passwordHash);
            sessions.deleteAllOf(user.id().value());
            audit.record(AuditEventType.PASSWORD_RESET, user.id(), user.id(), from);
        });
    }

    private record UsableReset(PasswordReset reset, UserAccount user) {
    }

    /** The unused, unexpired reset of an active user, locked for this transaction; else 400. */
    private UsableReset lockUsable(String tokenHash) {
        PasswordReset reset = resets.lockByHash(tokenHash).filter(r -> r.usable(clock.instant()))
                .orElseThrow(PasswordResetService::invalidToken);
        UserAccount user = users.findById(reset.userId()).filter(UserAccount::active)
                .orElseThrow(PasswordResetService::invalidToken);
        return new UsableReset(reset, user);
    }

    public int deleteExpired() {
        Integer n = tx.execute(s -> resets.deleteExpired(clock.instant().minus(java.time.Duration.ofDays(1))));
        return n == null ? 0 : n;
    }

    private static ApiProblemException invalidToken() {
        return new ApiProblemException(HttpStatus.BAD_REQUEST, "reset-token-invalid",
                "The reset link is unknown, expired or already used.");
    }
}
