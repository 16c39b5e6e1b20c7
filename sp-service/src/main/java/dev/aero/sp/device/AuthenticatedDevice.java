package dev.aero.sp.device;

import dev.aero.common.id.DID;
import dev.aero.common.id.UserID;

/**
 * The device a request is from, proven by a valid, unrevoked certificate of the platform CA.
 * Declare it as a handler parameter to require one.
 */
public record AuthenticatedDevice(DID device, UserID user, long serial) {
}
