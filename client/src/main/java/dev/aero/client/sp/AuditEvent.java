package dev.aero.client.sp;

import java.time.Instant;
import java.util.Map;

/** One security event; {@code details} is free-form per {@code type}. */
public record AuditEvent(long id, String type, String actor, String target, String clientAddress, Instant occurredAt,
                         Map<String, Object> details) {
}
