package dev.aero.client.sp;

import java.io.IOException;
import java.io.UncheckedIOException;

/** No answer from SP: the connection failed, timed out, or the calling thread was interrupted. */
public final class SpTransportException extends UncheckedIOException {

    public SpTransportException(String message, IOException cause) {
        super(message, cause);
    }
}
