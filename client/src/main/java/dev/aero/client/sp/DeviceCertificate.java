package dev.aero.client.sp;

import dev.aero.common.id.DID;

/** What SP signed: the device certificate and the platform CA certificate, both PEM. */
public record DeviceCertificate(DID deviceId, String certificate, String caCertificate) {
}
