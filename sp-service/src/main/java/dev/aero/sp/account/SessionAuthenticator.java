package dev.aero.sp.account;

import java.time.Clock;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import dev.aero.common.web.ApiProblemException;
import dev.aero.common.web.apidoc.ApiSecuritySchemes;
import dev.aero.common.web.apidoc.DocumentedProblem;
import dev.aero.common.web.apidoc.OperationAuthentication;
import dev.aero.sp.web.CallerResolver;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Resolves {@code Authorization: Bearer <token>} to the signed-in user. The session must exist
 * and be unexpired and its user active; every failure is the same 401 so that nothing is
 * learned from it.
 */
@Component
class SessionAuthenticator implements CallerResolver<AuthenticatedUser> {

    private final Sessions sessions;
    private final UserAccounts users;
    private final Clock clock;

    SessionAuthenticator(Sessions sessions, UserAccounts users, Clock clock) {
        this.sessions = sessions;
        this.users = users;
        this.clock = clock;
    }

    @Override
    public Class<AuthenticatedUser> type() {
        return AuthenticatedUser.class;
    }

    @Override
    public OperationAuthentication.Scheme documentation() {
        return new OperationAuthentication.Scheme(ApiSecuritySchemes.BEARER, List.of(
                new DocumentedProblem(401, "authentication-required", "no `Authorization: Bearer <token>` header"),
                new DocumentedProblem(401, "invalid-token", "the token is unknown, expired or signed out, or its user deactivated")));
    }

    @Override
    @Transactional(readOnly = true)
    public AuthenticatedUser resolve(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        if (header == null || header.isBlank()) {
            throw unauthorized("authentication-required", "Sign in and send the token as Authorization: Bearer <token>.");
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized("authentication-required", "The Authorization header must be Bearer <token>.");
        }
        String token = header.substring(7).strip();
        if (!SecretTokens.plausible(token)) {
            throw invalidToken();
        }
        String hash = SecretTokens.hash(token);
        Session session = sessions.findById(hash).orElseThrow(SessionAuthenticator::invalidToken);
        if (!session.expiresAt().isAfter(clock.instant())) {
            throw invalidToken();
        }
        UserAccount user = users.findById(session.userId()).filter(UserAccount::active).orElseThrow(SessionAuthenticator::invalidToken);
        return new AuthenticatedUser(user.id(), user.organization(), user.role(), hash);
    }

    private static ApiProblemException invalidToken() {
        return unauthorized("invalid-token", "The token is unknown, expired or signed out.");
    }

    private static ApiProblemException unauthorized(String slug, String detail) {
        ApiProblemException problem = new ApiProblemException(HttpStatus.UNAUTHORIZED, slug, detail);
        problem.getHeaders().set("WWW-Authenticate", "Bearer realm=\"aero\"");
        return problem;
    }
}
