package dev.aero.common.auth;

/** A certificate that does not name exactly one device and one user in canonical form. */
public final class InvalidCertificateIdentityException extends IllegalArgumentException {

    public InvalidCertificateIdentityException(String message) {
        super(message);
    }
}
