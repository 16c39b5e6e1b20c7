package dev.aero.console.audit;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.aero.common.audit.AuditEventType;
import dev.aero.console.web.Times;

/**
 * The audit page's filters as the form sent them, checked: {@link #errors()} says what is wrong
 * with which field, and the parsed values are null then.
 */
public final class AuditFilter {

    private final List<String> types;
    private final String actor;
    private final String since;
    private final String until;
    private final Instant sinceInstant;
    private final Instant untilInstant;
    private final Long before;
    private final Map<String, String> errors = new LinkedHashMap<>();

    AuditFilter(List<String> types, String actor, String since, String until, String before, Times times) {
        this.types = new ArrayList<>();
        for (String t : types == null ? List.<String>of() : types) {
            if (t == null || t.isBlank()) {
                continue;
            }
            try {
                AuditEventType.valueOf(t.strip());
                if (!this.types.contains(t.strip())) {
                    this.types.add(t.strip());
                }
            } catch (IllegalArgumentException e) {
                errors.put("type", "Unknown event type " + t.strip() + ".");
            }
        }
        this.actor = actor == null ? "" : actor.strip();
        if (this.actor.length() > 320) {
            errors.put("actor", "At most 320 characters.");
        }
        this.since = since == null ? "" : since.strip();
        this.until = until == null ? "" : until.strip();
        this.sinceInstant = time("since", this.since, times);
        this.untilInstant = time("until", this.until, times);
        if (sinceInstant != null && untilInstant != null && !sinceInstant.isBefore(untilInstant)) {
            errors.put("until", "Must be after \u201cfrom\u201d.");
        }
        Long cursor = null;
        if (before != null && !before.isBlank()) {
            try {
                cursor = Long.parseLong(before.strip());
            } catch (NumberFormatException e) {
                cursor = null;
            }
        }
        this.before = cursor;
    }

    private Instant time(String field, String value, Times times) {
        try {
            return times.parseInput(value);
        } catch (DateTimeParseException e) {
            errors.put(field, "A date and time, e.g. 2026-12-01T09:00.");
            return null;
        }
    }

    public List<String> types() {
        return types;
    }

    public String actor() {
        return actor;
    }

    public String since() {
        return since;
    }

    public String until() {
        return until;
    }

    public Instant sinceInstant() {
        return sinceInstant;
    }

    public Instant untilInstant() {
        return untilInstant;
    }

    public Long before() {
        return before;
    }

    public Map<String, String> errors() {
        return errors;
    }

    public boolean selected(String type) {
        return types.contains(type);
    }

    /** The filters as a query string (without the page cursor), for the next page and the CSV export. */
    public String query() {
        List<String> parts = new ArrayList<>();
        types.forEach(t -> parts.add("type=" + encode(t)));
        if (!actor.isEmpty()) {
            parts.add("actor=" + encode(actor));
        }
        if (!since.isEmpty()) {
            parts.add("since=" + encode(since));
        }
        if (!until.isEmpty()) {
            parts.add("until=" + encode(until));
        }
        return String.join("&", parts);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
