package dev.aero.common.command;

/** A command type named (by name or number) that this platform does not know. */
public final class UnknownCommandTypeException extends IllegalArgumentException {

    public UnknownCommandTypeException(String message) {
        super(message);
    }
}
