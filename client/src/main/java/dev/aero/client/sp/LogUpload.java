package dev.aero.client.sp;

import java.time.Instant;

import dev.aero.common.id.DID;
import dev.aero.common.id.UserID;

/**
 * A device's log upload as SP stored it: the device (and its name), its owner, the defect id it
 * answers, its size in bytes and the SHA-256 (hex) of the gzip bytes stored.
 */
public record LogUpload(long id, DID deviceId, String deviceName, UserID user, String defectId, long size, String sha256,
        Instant uploadedAt) {
}
