package dev.aero.client.zephyr;

import java.io.IOException;

/** The relay spoke something other than the zephyr protocol. */
public final class ZephyrProtocolException extends IOException {

    public ZephyrProtocolException(String message) {
        super(message);
    }
}
