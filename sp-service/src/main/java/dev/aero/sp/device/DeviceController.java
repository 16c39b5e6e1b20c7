package dev.aero.sp.device;

import io.swagger.v3.oas.annotations.responses.ApiResponse;
import dev.aero.sp.ca.CsrRefusals;
import dev.aero.sp.account.AdminOnly;
import dev.aero.common.web.apidoc.ProblemResponse;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import dev.aero.common.id.DID;
import dev.aero.common.id.UserID;
import dev.aero.sp.account.AuthenticatedUser;
import dev.aero.sp.commands.CommandServerQueues;
import dev.aero.sp.devicelogs.LogsRequests;
import dev.aero.sp.ratelimit.RateLimited;
import dev.aero.sp.web.ClientAddress;
import dev.aero.sp.web.PrintableText;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

@RestController
@RequestMapping("/api/v1")
@Tag(name = "Devices", description = "Registering, listing, renaming and unlinking devices; device certificates; their command queues")
@Validated
class DeviceController {


    private final DeviceService devices;
    private final DevmanPresence devman;

    DeviceController(DeviceService devices, DevmanPresence devman) {
        this.devman = devman;
        this.devices = devices;
    }

    @PostMapping("/devices")
    @Operation(operationId = "registerDevice", summary = "Register a device from a PKCS#10 CSR whose CN is the device id",
            responses = @ApiResponse(responseCode = "201", description = "The device's certificate; `Location` is the device"))
    @CsrRefusals
    @ProblemResponse(status = 409, type = "device-owned-elsewhere", when = "the device id is registered to another user")
    @ProblemResponse(status = 409, type = "device-exists", when = "the device id is registered already (or was unlinked: ids are never reused)")
    @RateLimited
    ResponseEntity<CertificateView> register(AuthenticatedUser caller, @Valid @RequestBody RegisterRequest body,
            ClientAddress from) {
        DeviceService.Certified certified = devices.register(caller, body.registration(), from);
        return ResponseEntity.created(URI.create("/api/v1/devices/" + certified.device().hex()))
                .body(CertificateView.of(certified, devices.caCertificatePem()));
    }

    @PostMapping("/teamservers")
    @Operation(operationId = "registerTeamServer", summary = "Register a team server for the organization (admins)",
            responses = @ApiResponse(responseCode = "201", description = "The team server's certificate; `Location` is the device"))
    @AdminOnly
    @CsrRefusals
    @ProblemResponse(status = 409, type = "device-owned-elsewhere", when = "the device id is registered to another user")
    @ProblemResponse(status = 409, type = "device-exists", when = "the device id is registered already (or was unlinked: ids are never reused)")
    @RateLimited
    ResponseEntity<TeamServerCertificateView> registerTeamServer(AuthenticatedUser caller,
            @Valid @RequestBody RegisterRequest body, ClientAddress from) {
        DeviceService.Certified certified = devices.registerTeamServer(caller, body.registration(), from);
        return ResponseEntity.created(URI.create("/api/v1/devices/" + certified.device().hex()))
                .body(new TeamServerCertificateView(certified.device().hex(), certified.owner().value(),
                        certified.certificate().pem(), devices.caCertificatePem()));
    }

    @GetMapping("/users/me/devices")
    @Operation(operationId = "listMyDevices", summary = "The caller's linked devices, with presence from devman")
    DeviceList mine(AuthenticatedUser caller) {
        List<DeviceService.DeviceDetails> list = devices.devicesOf(caller);
        Map<DID, DevmanPresence.Presence> presence = devman.of(list.stream().map(d -> d.device().id()).toList());
        return new DeviceList(list.stream().map(d -> DeviceView.of(d, presence.get(d.device().id()))).toList());
    }

    record DevicePage(List<DeviceView> devices, String nextAfter) {
    }

    @GetMapping("/organizations/me/devices")
    @Operation(operationId = "listOrganizationDevices", summary = "Every linked device of the organization (of one `owner`, "
            + "when given) with presence from devman, by device id, a page at a time: pass `next_after` as `after` for the next (admins)")
    @AdminOnly
    DevicePage organizationDevices(AuthenticatedUser caller, @RequestParam(required = false) DID after,
            @RequestParam(required = false) UserID owner,
            @RequestParam(defaultValue = "100") @Min(1) @Max(1000) int limit) {
        List<DeviceService.DeviceDetails> page = devices.organizationDevices(caller, after, owner, limit);
        Map<DID, DevmanPresence.Presence> presence = devman.of(page.stream().map(d -> d.device().id()).toList());
        List<DeviceView> views = page.stream().map(d -> DeviceView.of(d, presence.get(d.device().id()))).toList();
        return new DevicePage(views, views.size() == limit ? views.getLast().deviceId() : null);
    }

    @GetMapping("/devices/{did}")
    @Operation(operationId = "getDevice", summary = "One device (its owner, or an admin), with presence from devman")
    @ProblemResponse(status = 404, type = "device-not-found", when = "no such linked device, or it is neither the caller's nor in the admin's organization")
    DeviceView device(AuthenticatedUser caller, @PathVariable DID did) {
        return DeviceView.of(devices.device(caller, did), devman.of(List.of(did)).get(did));
    }

    @PatchMapping("/devices/{did}")
    @Operation(operationId = "renameDevice", summary = "Rename a device (its owner, or an admin); the owner's other devices are "
            + "told to refetch device names")
    @ProblemResponse(status = 404, type = "device-not-found", when = "no such linked device, or it is neither the caller's nor in the admin's organization")
    DeviceView rename(AuthenticatedUser caller, @PathVariable DID did, @Valid @RequestBody RenameRequest body,
            ClientAddress from) {
        return DeviceView.of(devices.rename(caller, did, body.name(), from));
    }

    @DeleteMapping("/devices/{did}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(operationId = "unlinkDevice", summary = "Unlink a device: its certificates are revoked and it is told to "
            + "forget its credentials (`wipe=true`: and delete its synced data) (its owner, or an admin)")
    @ProblemResponse(status = 404, type = "device-not-found", when = "no such linked device, or it is neither the caller's nor in the admin's organization")
    void unlink(AuthenticatedUser caller, @PathVariable DID did, @RequestParam(defaultValue = "false") boolean wipe,
            ClientAddress from) {
        devices.unlink(caller, did, wipe, from);
    }

    @PostMapping("/devices/{did}/logs-request")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(operationId = "requestDeviceLogs", summary = "Ask a device to upload its logs (admins): UPLOAD_LOGS through its command queue")
    @AdminOnly
    @ProblemResponse(status = 404, type = "device-not-found", when = "no such linked device, or it is neither the caller's nor in the admin's organization")
    @ProblemResponse(status = 409, type = "logs-request-exists", when = "logs were requested of the device under this `defect_id` already")
    DeviceService.LogsRequest requestLogs(AuthenticatedUser caller, @PathVariable DID did, @Valid @RequestBody LogsRequestBody body,
            ClientAddress from) {
        int hours = body.expiresInHours() == null ? 24 : body.expiresInHours();
        return devices.requestLogs(caller, did, body.defectId(), java.time.Duration.ofHours(hours), from);
    }

    @GetMapping("/devices/{did}/commands")
    @Operation(operationId = "listDeviceCommands", summary = "A device's command queue, head first, and its dead letters "
            + "(commands it failed too often), as command-server holds them; `arguments` are the command's (UPLOAD_LOGS: "
            + "`defect_id`, `expiry_time` in ms, `destination`), null for a command without (admins)")
    @AdminOnly
    @ProblemResponse(status = 404, type = "device-not-found", when = "no such linked device, or it is not in the admin's organization")
    @ProblemResponse(status = 503, type = "command-server-unavailable", when = "command-server did not answer")
    CommandServerQueues.DeviceQueue commands(AuthenticatedUser caller, @PathVariable DID did) {
        return devices.commandQueue(caller, did);
    }

    record Redriven(long commands) {
    }

    @PostMapping("/devices/{did}/dead-letters/redrive")
    @Operation(operationId = "redriveDeviceDeadLetters", summary = "Put a device's dead letters back at the tail of its queue, "
            + "their attempts reset, and push the head to the device; `commands` is how many (admins)")
    @AdminOnly
    @ProblemResponse(status = 404, type = "device-not-found", when = "no such linked device, or it is not in the admin's organization")
    @ProblemResponse(status = 503, type = "command-server-unavailable", when = "command-server did not answer (nothing was re-driven, or it is not known whether it was)")
    Redriven redrive(AuthenticatedUser caller, @PathVariable DID did, ClientAddress from) {
        return new Redriven(devices.redriveDeadLetters(caller, did, from));
    }

    record LogsRequestBody(
            @Size(min = 1, max = 64) @Pattern(regexp = LogsRequests.DEFECT_ID) String defectId,
            @jakarta.validation.constraints.Min(1) @jakarta.validation.constraints.Max(720) Integer expiresInHours) {
    }

    @PostMapping("/devices/{did}/certificate")
    @Operation(operationId = "recertifyDevice",
            summary = "Recertify: the device, authenticated by its certificate, gets a new one; the old is revoked")
    @CsrRefusals
    @ProblemResponse(status = 403, type = "device-mismatch", when = "the certificate is another device's")
    @ProblemResponse(status = 404, type = "device-not-found", when = "the device is unlinked")
    CertificateView recertify(AuthenticatedDevice caller, @PathVariable DID did, @Valid @RequestBody RecertifyRequest body,
            ClientAddress from) {
        return CertificateView.of(devices.recertify(caller, did, body.csr(), from), devices.caCertificatePem());
    }

    record RegisterRequest(
            @NotBlank @Size(max = 16384) String csr,
            DID deviceId,
            @NotBlank @Size(max = 255) @Pattern(regexp = PrintableText.PATTERN) String deviceName,
            @NotBlank @Size(max = 64) @Pattern(regexp = PrintableText.PATTERN) String osFamily,
            @NotBlank @Size(max = 255) @Pattern(regexp = PrintableText.PATTERN) String osName) {

        DeviceService.Registration registration() {
            return new DeviceService.Registration(csr, deviceId, deviceName, osFamily, osName);
        }
    }

    record RenameRequest(@NotBlank @Size(max = 255) @Pattern(regexp = PrintableText.PATTERN) String name) {
    }

    record RecertifyRequest(@NotBlank @Size(max = 16384) String csr) {
    }

    record CertificateView(String deviceId, String certificate, String caCertificate) {
        static CertificateView of(DeviceService.Certified c, String caPem) {
            return new CertificateView(c.device().hex(), c.certificate().pem(), caPem);
        }
    }

    record TeamServerCertificateView(String deviceId, String userId, String certificate, String caCertificate) {
    }

    record DeviceList(List<DeviceView> devices) {
    }

    /** last_seen_time, online and online_via come from devman; null when devman could not be asked. */
    record DeviceView(String deviceId, String owner, String name, String osFamily, String osName, Instant registeredAt,
            String certificateSerial, Instant certificateExpiresAt, Instant lastSeenTime, Boolean online,
            List<String> onlineVia) {
        static DeviceView of(DeviceService.DeviceDetails d) {
            return of(d, null);
        }

        static DeviceView of(DeviceService.DeviceDetails d, DevmanPresence.Presence presence) {
            Device device = d.device();
            return new DeviceView(device.id().hex(), device.owner().value(), device.name(), device.osFamily(), device.osName(),
                    device.registeredAt(), d.certificate().map(c -> Long.toString(c.serial())).orElse(null),
                    d.certificate().map(c -> c.expiresAt()).orElse(null), presence == null ? null : presence.lastSeen(),
                    presence == null ? null : presence.online(), presence == null ? null : presence.onlineVia());
        }
    }
}
