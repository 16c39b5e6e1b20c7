package dev.aero.devman.checkin;

import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import dev.aero.common.web.apidoc.ApiSecuritySchemes;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.swagger.v3.oas.annotations.Operation;
import dev.aero.common.web.apidoc.ProblemResponse;
import java.time.Clock;
import java.time.Instant;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;

import dev.aero.common.auth.CertificateIdentity;
import dev.aero.devman.DevmanProperties;
import dev.aero.devman.presence.PresenceStore;

/**
 * {@code POST /v1/checkin}: a device says it is alive (every {@code checkin-interval}, 60 s),
 * with its certificate; devman records the time and the client's address. No body is read.
 */
@RestController
@Tag(name = "Device API", description = "Check-ins, over HTTPS with the device's client certificate")
class CheckinController {

    private final DeviceCertificates certificates;
    private final PresenceStore store;
    private final Clock clock;
    private final MeterRegistry meters;
    private final long intervalSeconds;

    CheckinController(DeviceCertificates certificates, PresenceStore store, Clock clock, MeterRegistry meters,
            DevmanProperties settings) {
        this.certificates = certificates;
        this.store = store;
        this.clock = clock;
        this.meters = meters;
        this.intervalSeconds = settings.checkinInterval().toSeconds();
    }

    record CheckedIn(String did, Instant time, String ipAddress, long checkinIntervalSeconds) { }

    @PostMapping("/v1/checkin")
    @Operation(operationId = "checkIn", summary = "The device is alive: devman records the time and the client's address; "
            + "the answer says when to check in next. No body is read.")
    @SecurityRequirement(name = ApiSecuritySchemes.DEVICE_CERTIFICATE)
    @ProblemResponse(status = 401, type = "certificate-required", when = "no client certificate was presented")
    @ProblemResponse(status = 401, type = "certificate-untrusted", when = "the certificate is unreadable, not the platform CA's, or does not name a device and user")
    @ProblemResponse(status = 401, type = "certificate-expired", when = "the certificate has expired")
    @ProblemResponse(status = 401, type = "certificate-not-yet-valid", when = "the certificate is not valid yet")
    @ProblemResponse(status = 401, type = "certificate-revoked", when = "the platform CA's revocation list names the certificate")
    @ProblemResponse(status = 503, type = "revocation-list-unavailable", when = "devman has not read the CRL yet; retry")
    CheckedIn checkin(HttpServletRequest request) {
        CertificateIdentity device = certificates.authenticate(request);
        String address = certificates.clientAddress(request);
        Instant now = clock.instant();
        store.seen(device.device(), now, address);
        meters.counter("aero.devman.checkins").increment();
        return new CheckedIn(device.device().hex(), now, address, intervalSeconds);
    }
}
