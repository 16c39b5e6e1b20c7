package dev.aero.console.web;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;


import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

import dev.aero.console.ConsoleProperties;
import dev.aero.console.signin.ConsoleSessions;

/**
 * Dates in the admin's time zone (the browser's, said at sign-in), for templates:
 * {@code ${@times.at(instant)}}.
 */
@Component("times")
public class Times {

    private static final DateTimeFormatter SHOWN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");
    private static final DateTimeFormatter INPUT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm");

    private final ZoneId fallback;

    public Times(ConsoleProperties settings) {
        this.fallback = settings.defaultZone();
    }

    public ZoneId zone() {
        RequestAttributes request = RequestContextHolder.getRequestAttributes();
        Object zone = request == null ? null : request.getAttribute(ConsoleSessions.ZONE, RequestAttributes.SCOPE_SESSION);
        return zone instanceof ZoneId z ? z : fallback;
    }

    public String at(Instant instant) {
        return instant == null ? "" : SHOWN.format(instant.atZone(zone()));
    }

    /** For {@code <input type="datetime-local">}. */
    public String input(Instant instant) {
        return instant == null ? "" : INPUT.format(instant.atZone(zone()));
    }

    /** A value of {@code <input type="datetime-local">}, in the admin's zone; null when blank. */
    public Instant parseInput(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return LocalDateTime.parse(value.strip()).atZone(zone()).toInstant();
    }

    /** "3 min ago", "2 days ago": how long since. */
    public String since(Instant instant) {
        if (instant == null) {
            return "never";
        }
        Duration d = Duration.between(instant, Instant.now());
        if (d.isNegative() || d.toSeconds() < 5) {
            return "now";
        }
        if (d.toMinutes() < 1) {
            return d.toSeconds() + " s ago";
        }
        if (d.toHours() < 1) {
            return d.toMinutes() + " min ago";
        }
        if (d.toDays() < 1) {
            return d.toHours() + " h ago";
        }
        return d.toDays() + (d.toDays() == 1 ? " day ago" : " days ago");
    }
}
