package dev.aero.client.sp;

import java.time.Instant;

/** A logs request SP sent a device: the defect id its upload is filed under, valid until {@code expiryTime}. */
public record LogsRequest(String defectId, Instant expiryTime) {
}
