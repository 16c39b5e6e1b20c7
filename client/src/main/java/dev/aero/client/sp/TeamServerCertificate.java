package dev.aero.client.sp;

import dev.aero.common.id.DID;
import dev.aero.common.id.UserID;

/** A team server's certificate; {@code userId} is the organization's team-server user {@code :<org id hex>}. */
public record TeamServerCertificate(DID deviceId, UserID userId, String certificate, String caCertificate) {
}
