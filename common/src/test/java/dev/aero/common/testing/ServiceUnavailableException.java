package dev.aero.common.testing;

/** A backing service a test asked for cannot be had; the message says how to provide it. */
public final class ServiceUnavailableException extends IllegalStateException {

    public ServiceUnavailableException(String message) {
        super(message);
    }

    public ServiceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
