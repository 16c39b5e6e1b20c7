package dev.aero.console.platform;

import java.util.List;

/**
 * One service's health as its actuator reports it: {@code UP}, {@code DEGRADED} (up, but a
 * component is not), {@code DOWN} or {@code UNREACHABLE}, with the reason in words.
 */
public record ServiceHealth(String service, String state, String reason, List<String> componentsNotUp) {

    public boolean up() {
        return "UP".equals(state);
    }
}
