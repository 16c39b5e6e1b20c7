package dev.aero.client.sp;

import java.time.Instant;

/** The caller's organization; {@code organizationId} in hex. */
public record Organization(String organizationId, String name, Instant createdAt) {
}
