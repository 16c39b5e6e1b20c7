package dev.aero.common.command;

/** A command string or payload from outside could not be decoded; the message says why. */
public final class InvalidCommandException extends IllegalArgumentException {

    public InvalidCommandException(String message) {
        super(message);
    }
}
