package dev.aero.common.id;

import java.util.Locale;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A user id: a lower-cased e-mail address, or {@code :<org id hex>} for an organization's
 * team-server user. Parsing lower-cases the address; anything that is not a plain ASCII
 * address ({@code local@domain.tld}, no quoting, no IP literals) is rejected.
 */
public record UserID(String value) implements Comparable<UserID> {

    public static final String TEAM_SERVER_PREFIX = ":";
    private static final int MAX_LENGTH = 254;
    private static final int MAX_LOCAL_LENGTH = 64;
    private static final int MAX_LABEL_LENGTH = 63;
    private static final String LOCAL_SPECIALS = ".!#$%&'*+/=?^_`{|}~-";

    public UserID {
        if (value == null || value.isEmpty()) {
            throw new InvalidIdentifierException("user id", value, "missing");
        }
        if (value.startsWith(TEAM_SERVER_PREFIX)) {
            OrgID.of(value.substring(TEAM_SERVER_PREFIX.length()));
        } else {
            String reason = emailProblem(value);
            if (reason != null) {
                throw new InvalidIdentifierException("user id", value, reason);
            }
        }
    }

    /** Parses an e-mail address (case-insensitively) or a team-server user id. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static UserID of(String value) {
        if (value == null) {
            throw new InvalidIdentifierException("user id", null, "missing");
        }
        if (value.startsWith(TEAM_SERVER_PREFIX)) {
            try {
                return new UserID(value);
            } catch (InvalidIdentifierException e) {
                throw new InvalidIdentifierException("user id", value, "not a team-server user id: " + e.getMessage());
            }
        }
        String lowered = value.toLowerCase(Locale.ROOT);
        String reason = emailProblem(lowered);
        if (reason != null) {
            throw new InvalidIdentifierException("user id", value, reason);
        }
        return new UserID(lowered);
    }

    public boolean isTeamServer() {
        return value.startsWith(TEAM_SERVER_PREFIX);
    }

    /** The organization of a team-server user id; empty for an ordinary user. */
    public Optional<OrgID> teamServerOrg() {
        return isTeamServer() ? Optional.of(OrgID.of(value.substring(TEAM_SERVER_PREFIX.length()))) : Optional.empty();
    }

    @JsonValue
    @Override
    public String toString() {
        return value;
    }

    @Override
    public int compareTo(UserID other) {
        return value.compareTo(other.value);
    }

    /** Null when {@code address} (already lower-case) is acceptable, else why not. */
    private static String emailProblem(String address) {
        if (address.length() > MAX_LENGTH) {
            return "longer than " + MAX_LENGTH + " characters";
        }
        int at = address.indexOf('@');
        if (at < 0 || at != address.lastIndexOf('@')) {
            return "expected exactly one '@'";
        }
        String local = address.substring(0, at);
        String domain = address.substring(at + 1);
        if (local.isEmpty() || local.length() > MAX_LOCAL_LENGTH) {
            return "the part before '@' must have 1 to " + MAX_LOCAL_LENGTH + " characters";
        }
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (!(isLowerAlnum(c) || LOCAL_SPECIALS.indexOf(c) >= 0)) {
                return "character '" + InvalidIdentifierException.printable(String.valueOf(c)) + "' not allowed before '@'";
            }
        }
        if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            return "misplaced '.' before '@'";
        }
        String[] labels = domain.split("\\.", -1);
        if (labels.length < 2) {
            return "the domain needs at least two labels";
        }
        for (String label : labels) {
            if (label.isEmpty() || label.length() > MAX_LABEL_LENGTH) {
                return "each domain label must have 1 to " + MAX_LABEL_LENGTH + " characters";
            }
            if (label.startsWith("-") || label.endsWith("-")) {
                return "a domain label cannot start or end with '-'";
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(isLowerAlnum(c) || c == '-')) {
                    return "character '" + InvalidIdentifierException.printable(String.valueOf(c)) + "' not allowed in the domain";
                }
            }
        }
        return null;
    }

    private static boolean isLowerAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }
}
