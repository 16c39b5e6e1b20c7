package dev.aero.sp.account;

import org.springframework.http.HttpStatus;

import dev.aero.common.id.OrgID;
import dev.aero.common.id.UserID;
import dev.aero.common.web.ApiProblemException;

/** The signed-in user of a request; declare it as a handler parameter to require a bearer token. */
public record AuthenticatedUser(UserID id, OrgID organization, Role role, String tokenHash) {

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    public void requireAdmin() {
        if (!isAdmin()) {
            throw new ApiProblemException(HttpStatus.FORBIDDEN, "admin-required", "This needs an organization admin.");
        }
    }

    @Override
    public String toString() {
        return id.value();
    }
}
