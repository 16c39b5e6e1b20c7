package dev.aero.common.auth;

/** A service credential header that does not parse. Messages never contain the secret. */
public final class InvalidServiceCredentialException extends IllegalArgumentException {

    public InvalidServiceCredentialException(String message) {
        super(message);
    }
}
