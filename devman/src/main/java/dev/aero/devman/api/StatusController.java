package dev.aero.devman.api;

import io.swagger.v3.oas.annotations.tags.Tag;
import io.swagger.v3.oas.annotations.Operation;
import dev.aero.common.web.apidoc.ProblemResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.aero.common.id.DID;
import dev.aero.common.id.InvalidIdentifierException;
import dev.aero.common.web.ApiProblemException;
import dev.aero.devman.DevmanProperties;
import dev.aero.devman.presence.DeviceStatus;
import dev.aero.devman.presence.EventLag;
import dev.aero.devman.presence.PresenceStore;

/**
 * Reads for services (port 8701, {@code Aero-Service-Shared-Secret}): one device, a batch of up
 * to {@code max-batch} devices, and the online count.
 */
@RestController
@Tag(name = "Presence", description = "Device presence, for platform services")
class StatusController {

    private final PresenceStore store;
    private final EventLag lag;
    private final BatchLimit batch;

    StatusController(PresenceStore store, EventLag lag, DevmanProperties settings) {
        this.store = store;
        this.lag = lag;
        this.batch = new BatchLimit(settings.maxBatch());
    }

    /** One device; {@code last_seen_time} is RFC 3339, and now while the device is online. */
    record StatusView(String did, Instant lastSeenTime, String ipAddress, boolean online, List<String> onlineVia) {
        static StatusView of(DID did, DeviceStatus s) {
            return new StatusView(did.hex(), s.lastSeen(), s.address(), s.online(), s.onlineVia());
        }
    }

    record StatusRequest(List<String> devices) { }

    record StatusList(List<StatusView> devices) { }

    record Stats(long onlineDevices, Long eventsLag, Long eventsPending) { }

    @GetMapping("/v1/devices/{did}")
    @Operation(operationId = "getDeviceStatus", summary = "One device's last seen time (now while online), last address and online state")
    @ProblemResponse(status = 404, type = "device-never-seen", when = "devman has never seen the device")
    StatusView device(@PathVariable DID did) {
        DeviceStatus status = store.status(did);
        if (!status.seen()) {
            throw new ApiProblemException(HttpStatus.NOT_FOUND, "device-never-seen", "devman has never seen device " + did.hex() + ".");
        }
        return StatusView.of(did, status);
    }

    /** Every requested device in order; one never seen has a null {@code last_seen_time}. */
    @PostMapping("/v1/devices/status")
    @Operation(operationId = "getDeviceStatuses", summary = "Several devices' presence, in the order asked; one never seen has "
            + "`last_seen_time` null")
    @ProblemResponse(status = 400, type = "devices-missing", when = "the body has no `devices` list")
    @ProblemResponse(status = 400, type = "batch-too-large", when = "more entries than `aero.devman.max-batch` (1,000)")
    @ProblemResponse(status = 400, type = "invalid-identifier", when = "an entry is not a device id; `index` says which")
    StatusList devices(@RequestBody StatusRequest request) {
        List<String> devices = batch.check(request == null ? null : request.devices(), "devices", "[\"<did>\", ...]");
        List<DID> ids = new ArrayList<>(devices.size());
        for (int i = 0; i < devices.size(); i++) {
            String raw = devices.get(i);
            try {
                ids.add(DID.of(raw));
            } catch (InvalidIdentifierException | NullPointerException e) {
                throw new ApiProblemException(HttpStatus.BAD_REQUEST, "invalid-identifier",
                        "devices[" + i + "] is not a device id (32 lower-case hex characters).", Map.of("index", i));
            }
        }
        List<DeviceStatus> statuses = store.statuses(ids);
        List<StatusView> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            out.add(StatusView.of(ids.get(i), statuses.get(i)));
        }
        return new StatusList(out);
    }

    @GetMapping("/v1/stats")
    @Operation(operationId = "getStats", summary = "Devices online now, and how far devman is behind verkehr's events stream")
    Stats stats() {
        EventLag.Snapshot s = lag.snapshot();
        return new Stats(store.onlineCount(), s.lag(), s.pending());
    }
}
