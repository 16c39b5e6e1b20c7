package dev.aero.sp.web;

/**
 * The address a request came from: the peer, or the client behind a trusted proxy. Declare it
 * as a handler parameter to receive it.
 */
public record ClientAddress(String value) {

    @Override
    public String toString() {
        return value;
    }
}
