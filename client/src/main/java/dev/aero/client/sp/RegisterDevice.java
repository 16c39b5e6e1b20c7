package dev.aero.client.sp;

import dev.aero.common.id.DID;

/**
 * {@code POST /devices} and {@code POST /teamservers}: {@code csr} is PEM whose CN is the device id.
 * {@code deviceId} may be left null for SP to take it from the CSR.
 */
public record RegisterDevice(String csr, String deviceName, String osFamily, String osName, DID deviceId) {

    public RegisterDevice(String csr, String deviceName, String osFamily, String osName) {
        this(csr, deviceName, osFamily, osName, null);
    }
}
