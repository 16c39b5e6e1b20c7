package dev.aero.common.ssmp;

import java.io.IOException;

/** The server sent something outside SSMP's grammar; the connection cannot be trusted further. */
public final class SsmpProtocolException extends IOException {

    public SsmpProtocolException(String message) {
        super(message);
    }
}
