package dev.aero.sp.account;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

import dev.aero.common.command.CommandType;
import dev.aero.common.id.InvalidIdentifierException;
import dev.aero.common.id.UserID;
import dev.aero.common.web.ApiProblemException;
import dev.aero.sp.SpProperties;
import dev.aero.sp.commands.CommandOutbox;
import dev.aero.sp.device.DeviceService;
import dev.aero.common.audit.AuditEventType;
import dev.aero.sp.audit.AuditLog;
import dev.aero.sp.ratelimit.RateLimiter;
import dev.aero.sp.web.ClientAddress;

/** Sign-in and sign-out, the profile, and password changes. */
@Service
public class AccountService {

    private final UserAccounts users;
    private final Sessions sessions;
    private final PasswordHasher hasher;
    private final PasswordPolicy policy;
    private final RateLimiter limiter;
    private final AuditLog audit;
    private final SpProperties properties;
    private final TransactionTemplate tx;
    private final Clock clock;

    private final CommandOutbox commands;
    private final DeviceService devices;

    AccountService(UserAccounts users, Sessions sessions, PasswordHasher hasher, PasswordPolicy policy, RateLimiter limiter,
            AuditLog audit, SpProperties properties, TransactionTemplate tx, Clock clock, CommandOutbox commands,
            DeviceService devices) {
        this.devices = devices;
        this.users = users;
        this.sessions = sessions;
        this.hasher = hasher;
        this.policy = policy;
        this.limiter = limiter;
        this.audit = audit;
        this.properties = properties;
        this.tx = tx;
        this.clock = clock;
        this.commands = commands;
    }

    public record SignedIn(String token, Instant expiresAt, UserID userId) {
    }

    /**
     * Checks the password (outside any transaction: the hash is deliberately slow) and opens a
     * session. Unknown accounts, wrong passwords and team-server accounts all get the same 401
     * after the same work; a deactivated account with the right password gets 403.
     */
    public SignedIn signIn(String email, String password, ClientAddress from) {
        limiter.acquire("sign-in", "address", from.value(), properties.rateLimits().signInPerAddress());
        if (password == null || password.length() > PasswordPolicy.MAX_LENGTH) {
            throw invalidCredentials();
        }
        UserID id = parseOrNull(email);
        if (id == null || id.isTeamServer()) {
            hasher.matchDecoy(password);
            audit.record(AuditEventType.SIGN_IN_FAILED, null, null, from, Map.of("reason", "unknown account"));
            throw invalidCredentials();
        }
        limiter.acquire("sign-in", "account", id.value(), properties.rateLimits().signInPerAccount());
        UserAccount user = users.findById(id.value()).orElse(null);
        if (user == null || !hasher.matches(password, user.passwordHash())) {
            if (user == null) {
                hasher.matchDecoy(password);
            }
            audit.record(AuditEventType.SIGN_IN_FAILED, null, id, from,
                    Map.of("reason", user == null ? "unknown account" : "wrong password"));
            throw invalidCredentials();
        }
        if (!user.active()) {
            audit.record(AuditEventType.SIGN_IN_FAILED, null, id, from, Map.of("reason", "deactivated"));
            throw new ApiProblemException(HttpStatus.FORBIDDEN, "account-deactivated", "This account has been deactivated.");
        }
        limiter.reset("sign-in", "account", id.value());
        String rehash = hasher.needsRehash(user.passwordHash()) ? hasher.hash(password) : null;
        String token = SecretTokens.newToken();
        Instant now = clock.instant();
        Instant expires = now.plus(properties.sessionLifetime());
        tx.executeWithoutResult(s -> {
            sessions.save(new Session(SecretTokens.hash(token), id.value(), now, expires, from.value()));
            if (rehash != null) {
                users.findById(id.value()).ifPresent(u -> u.setPasswordHash(rehash));
            }
            audit.record(AuditEventType.SIGN_IN_SUCCEEDED, id, id, from);
        });
        return new SignedIn(token, expires, id);
    }

    @Transactional
    public void signOut(AuthenticatedUser caller, ClientAddress from) {
        sessions.deleteById(caller.tokenHash());
        audit.record(AuditEventType.SIGNED_OUT, caller.id(), caller.id(), from);
    }

    @Transactional(readOnly = true)
    public UserAccount profile(AuthenticatedUser caller) {
        return users.findById(caller.id().value()).orElseThrow();
    }

    @Transactional
    public UserAccount rename(AuthenticatedUser caller, String firstName, String lastName) {
        UserAccount user = users.findById(caller.id().value()).orElseThrow();
        user.rename(firstName, lastName);
        // The user's devices show the name: they refetch it.
        commands.enqueueAll(devices.linkedDevicesOf(caller.id()), CommandType.INVALIDATE_USER_NAME_CACHE);
        return user;
    }

    /** Changes the password and signs out every other session of the user. */
    public void changePassword(AuthenticatedUser caller, String oldPassword, String newPassword, ClientAddress from) {
        // Counted before the old password is checked: a stolen session must not guess it freely.
        limiter.acquire("password-change", "account", caller.id().value(), properties.rateLimits().passwordChangePerAccount());
        UserAccount user = users.findById(caller.id().value()).orElseThrow();
        if (!hasher.matches(oldPassword, user.passwordHash())) {
            throw new ApiProblemException(HttpStatus.FORBIDDEN, "password-incorrect", "old_password is not the current password.");
        }
        policy.check(newPassword, caller.id());
        String hash = hasher.hash(newPassword);
        tx.executeWithoutResult(s -> {
            users.findById(caller.id().value()).orElseThrow().setPasswordHash(hash);
            sessions.deleteOthersOf(caller.id().value(), caller.tokenHash());
            audit.record(AuditEventType.PASSWORD_CHANGED, caller.id(), caller.id(), from);
        });
    }

    /** Ends every session of a user (deactivation, password reset). */
    @Transactional
    public void endAllSessions(UserID user) {
        sessions.deleteAllOf(user.value());
    }

    @Transactional
    public int deleteExpiredSessions() {
        return sessions.deleteExpired(clock.instant());
    }

    static UserID parseOrNull(String email) {
        if (email == null || email.length() > 254) {
            return null;
        }
        try {
            return UserID.of(email);
        } catch (InvalidIdentifierException e) {
            return null;
        }
    }

    private static ApiProblemException invalidCredentials() {
        return new ApiProblemException(HttpStatus.UNAUTHORIZED, "invalid-credentials", "The e-mail or password is wrong.");
    }
}
