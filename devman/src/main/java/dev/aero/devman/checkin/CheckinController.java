package dev.aero.devman.checkin;

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
    CheckedIn checkin(HttpServletRequest request) {
        CertificateIdentity device = certificates.authenticate(request);
        String address = certificates.clientAddress(request);
        Instant now = clock.instant();
        store.seen(device.device(), now, address);
        meters.counter("aero.devman.checkins").increment();
        return new CheckedIn(device.device().hex(), now, address, intervalSeconds);
    }
}
