package dev.aero.sp.web;

/**
 * A platform service that proved it holds the deployment secret; {@code name} is the service
 * name it gave (1-64 characters of {@code a-z 0-9 -}). Declare it as a handler parameter to
 * require service authentication.
 */
public record AuthenticatedService(String name) {

    @Override
    public String toString() {
        return name;
    }
}
