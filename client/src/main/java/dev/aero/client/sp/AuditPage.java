package dev.aero.client.sp;

import java.util.List;

/** Audit events, newest first; pass {@code nextBefore} as {@code before} for the next page, null on the last. */
public record AuditPage(List<AuditEvent> events, Long nextBefore) {
}
