package dev.aero.sp.account;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import dev.aero.common.id.UserID;
import dev.aero.common.web.ApiProblemException;
import dev.aero.sp.SpProperties;

/** What a new password must be: long enough, not absurdly long, not the e-mail address. */
@Component
public class PasswordPolicy {

    /** Bounds the hashing work one request can ask for. */
    static final int MAX_LENGTH = 1024;

    private final int minLength;

    PasswordPolicy(SpProperties properties) {
        this.minLength = properties.passwordMinLength();
    }

    public void check(String password, UserID user) {
        if (password == null || password.codePointCount(0, password.length()) < minLength) {
            throw weak("The password must have at least " + minLength + " characters.");
        }
        if (password.length() > MAX_LENGTH) {
            throw weak("The password must have at most " + MAX_LENGTH + " characters.");
        }
        if (user != null && password.equalsIgnoreCase(user.value())) {
            throw weak("The password must not be the e-mail address.");
        }
    }

    private static ApiProblemException weak(String detail) {
        return new ApiProblemException(HttpStatus.BAD_REQUEST, "password-rejected", detail);
    }
}
