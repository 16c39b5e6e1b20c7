package dev.aero.common.id;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * An organization id: a positive 31-bit integer. Its text form (JSON, paths, the team-server
 * user id {@code :<hex>}) is lower-case hex without leading zeros, so every id has exactly one
 * spelling.
 */
public record OrgID(int value) implements Comparable<OrgID> {

    public OrgID {
        if (value <= 0) {
            throw new InvalidIdentifierException("organization id", Integer.toString(value), "must be positive");
        }
    }

    /** Parses the canonical hex form: 1 to 8 lower-case hex digits, no leading zero, positive. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static OrgID of(String hex) {
        if (hex == null || hex.isEmpty()) {
            throw new InvalidIdentifierException("organization id", hex, "missing");
        }
        if (hex.length() > 8) {
            throw new InvalidIdentifierException("organization id", hex, "at most 8 hex digits");
        }
        if (hex.charAt(0) == '0') {
            throw new InvalidIdentifierException("organization id", hex, "no leading zero allowed");
        }
        for (int i = 0; i < hex.length(); i++) {
            char c = hex.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                throw new InvalidIdentifierException("organization id", hex, "expected lower-case hex digits");
            }
        }
        long parsed = Long.parseLong(hex, 16);
        if (parsed > Integer.MAX_VALUE) {
            throw new InvalidIdentifierException("organization id", hex, "out of range");
        }
        return new OrgID((int) parsed);
    }

    /** The user id under which this organization's team servers register. */
    public UserID teamServerUser() {
        return UserID.of(UserID.TEAM_SERVER_PREFIX + this);
    }

    @JsonValue
    @Override
    public String toString() {
        return Integer.toHexString(value);
    }

    @Override
    public int compareTo(OrgID other) {
        return Integer.compare(value, other.value);
    }
}
