package dev.aero.sp.organization;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

import dev.aero.common.id.InvalidIdentifierException;
import dev.aero.common.id.OrgID;
import dev.aero.common.id.UserID;
import dev.aero.common.web.ApiProblemException;
import dev.aero.sp.SpProperties;
import dev.aero.sp.account.PasswordHasher;
import dev.aero.sp.account.PasswordPolicy;
import dev.aero.sp.account.Role;
import dev.aero.sp.account.SecretTokens;
import dev.aero.sp.account.UserAccount;
import dev.aero.sp.account.UserAccounts;
import dev.aero.common.audit.AuditEventType;
import dev.aero.sp.audit.AuditLog;
import dev.aero.sp.ratelimit.RateLimiter;
import dev.aero.sp.web.ClientAddress;

/**
 * Sign-up. The deployment's first user creates the organization and becomes its admin, with the
 * first-run {@link SetupToken}; later users join it, with an invitation code for their address,
 * or freely when open sign-up is on.
 */
@Service
public class Enrollment {

    private final UserAccounts users;
    private final Organizations organizations;
    private final Invitations invitations;
    private final PasswordHasher hasher;
    private final PasswordPolicy policy;
    private final RateLimiter limiter;
    private final AuditLog audit;
    private final SpProperties properties;
    private final TransactionTemplate tx;
    private final SetupToken setupToken;
    private final Clock clock;

    Enrollment(UserAccounts users, Organizations organizations, Invitations invitations, PasswordHasher hasher,
            PasswordPolicy policy, RateLimiter limiter, AuditLog audit, SpProperties properties, TransactionTemplate tx,
            SetupToken setupToken, Clock clock) {
        this.users = users;
        this.organizations = organizations;
        this.invitations = invitations;
        this.hasher = hasher;
        this.policy = policy;
        this.limiter = limiter;
        this.audit = audit;
        this.properties = properties;
        this.tx = tx;
        this.setupToken = setupToken;
        this.clock = clock;
    }

    public record SignUp(String email, String password, String firstName, String lastName, String invitationCode,
            String organizationName, String setupToken) {
    }

    public UserAccount signUp(SignUp request, ClientAddress from) {
        limiter.acquire("sign-up", "address", from.value(), properties.rateLimits().signUpPerAddress());
        UserID id = personalUserId(request.email());
        policy.check(request.password(), id);
        String hash = hasher.hash(request.password());
        UserAccount user;
        try {
            user = tx.execute(s -> enroll(id, hash, request, from));
        } catch (DataIntegrityViolationException e) {
            if (users.existsById(id.value())) {
                throw userExists();
            }
            // Another first user created the organization at the same moment; join it instead.
            user = tx.execute(s -> enroll(id, hash, request, from));
        }
        if (user.role() == Role.ADMIN) {
            setupToken.used();
        }
        return user;
    }

    private UserAccount enroll(UserID id, String passwordHash, SignUp request, ClientAddress from) {
        if (users.existsById(id.value())) {
            throw userExists();
        }
        Instant now = clock.instant();
        Role role;
        boolean created = false;
        if (!organizations.existsById(Organization.DEPLOYMENT_ORGANIZATION)) {
            setupToken.consume(request.setupToken());
            String name = request.organizationName() == null || request.organizationName().isBlank()
                    ? request.firstName() + " " + request.lastName() + "'s organization"
                    : request.organizationName().strip();
            organizations.saveAndFlush(new Organization(Organization.DEPLOYMENT_ORGANIZATION, name, now));
            role = Role.ADMIN;
            created = true;
        } else {
            admit(id, request.invitationCode(), request.setupToken(), now);
            role = Role.USER;
        }
        UserAccount user = users.saveAndFlush(new UserAccount(id, new OrgID(Organization.DEPLOYMENT_ORGANIZATION),
                request.firstName().strip(), request.lastName().strip(), passwordHash, role, now));
        if (created) {
            audit.record(AuditEventType.ORGANIZATION_CREATED, id, new OrgID(Organization.DEPLOYMENT_ORGANIZATION), from);
        }
        audit.record(AuditEventType.SIGNED_UP, id, id, from, Map.of("role", role.name()));
        return user;
    }

    /** Checks and uses the invitation code, or that sign-up is open when there is none. */
    private void admit(UserID id, String code, String setupToken, Instant now) {
        if (code == null || code.isBlank()) {
            if (setupToken != null && !setupToken.isBlank() && !properties.openSignUp()) {
                throw new ApiProblemException(HttpStatus.FORBIDDEN, "setup-token-used",
                        "This deployment has its first admin already; the setup token no longer works. "
                                + "Sign-up needs an invitation code from an organization admin.");
            }
            if (!properties.openSignUp()) {
                throw new ApiProblemException(HttpStatus.FORBIDDEN, "invitation-required",
                        "Sign-up needs an invitation code from an organization admin.");
            }
            return;
        }
        Invitation invitation = SecretTokens.plausible(code)
                ? invitations.lockByHash(SecretTokens.hash(code)).orElse(null)
                : null;
        if (invitation == null || !invitation.usable(now) || !invitation.email().equals(id.value())) {
            throw new ApiProblemException(HttpStatus.FORBIDDEN, "invitation-invalid",
                    "The invitation code is unknown, expired, used, or for another address.");
        }
        invitation.accept(now);
    }

    /** The user id of a person's e-mail address; 400 {@code invalid-email} for anything else (a team server's id too). */
    public static UserID personalUserId(String email) {
        UserID id;
        try {
            id = UserID.of(email);
        } catch (InvalidIdentifierException e) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, "invalid-email", e.getMessage());
        }
        if (id.isTeamServer()) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, "invalid-email", "'" + email + "' is not an e-mail address.");
        }
        return id;
    }

    private static ApiProblemException userExists() {
        return new ApiProblemException(HttpStatus.CONFLICT, "user-exists", "An account with this e-mail address exists.");
    }
}
