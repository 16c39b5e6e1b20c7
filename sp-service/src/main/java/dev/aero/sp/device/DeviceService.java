package dev.aero.sp.device;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.aero.common.command.Command;
import dev.aero.common.command.CommandType;
import dev.aero.common.command.UploadLogsArgs;
import dev.aero.common.id.DID;
import dev.aero.common.id.OrgID;
import dev.aero.common.id.UserID;
import dev.aero.common.web.ApiProblemException;
import dev.aero.sp.account.AuthenticatedUser;
import dev.aero.sp.account.Role;
import dev.aero.sp.account.UserAccount;
import dev.aero.sp.account.UserAccounts;
import dev.aero.common.audit.AuditEventType;
import dev.aero.sp.audit.AuditLog;
import dev.aero.sp.commands.CommandOutbox;
import dev.aero.sp.commands.CommandServerQueues;
import dev.aero.sp.devicelogs.LogsRequests;
import dev.aero.sp.ca.DeviceCertificateIssuer;
import dev.aero.sp.ca.DeviceCertificateIssuer.IssuedCertificate;
import dev.aero.sp.ca.DeviceCertificateRecord;
import dev.aero.sp.ca.DeviceCertificationRequest;
import dev.aero.sp.ca.RevocationList;
import dev.aero.sp.ratelimit.UserActionLimits;
import dev.aero.sp.sharing.StoreChanges;
import dev.aero.sp.web.ClientAddress;

/**
 * Devices and their certificates. A device is visible to its owner and to the organization's
 * admins; to anyone else it does not exist (404). Unlinking revokes every certificate of the
 * device; its id is retired.
 */
@Service
public class DeviceService {

    private final Devices devices;
    private final UserAccounts users;
    private final DeviceCertificateIssuer issuer;
    private final RevocationList revocations;
    private final AuditLog audit;
    private final Clock clock;
    private final CommandOutbox commands;
    private final StoreChanges storeChanges;
    private final UnlinkedDevices unlinked;
    private final UserActionLimits limits;
    private final CommandServerQueues queues;
    private final LogsRequests logsRequests;

    DeviceService(Devices devices, UserAccounts users, DeviceCertificateIssuer issuer, RevocationList revocations,
            AuditLog audit, Clock clock, CommandOutbox commands, StoreChanges storeChanges, UnlinkedDevices unlinked,
            UserActionLimits limits, CommandServerQueues queues, LogsRequests logsRequests) {
        this.logsRequests = logsRequests;
        this.limits = limits;
        this.queues = queues;
        this.storeChanges = storeChanges;
        this.unlinked = unlinked;
        this.devices = devices;
        this.users = users;
        this.issuer = issuer;
        this.revocations = revocations;
        this.audit = audit;
        this.clock = clock;
        this.commands = commands;
    }

    public record Registration(String csr, DID deviceId, String name, String osFamily, String osName) {
    }

    public record Certified(DID device, UserID owner, IssuedCertificate certificate) {
    }

    public record DeviceDetails(Device device, Optional<DeviceCertificateRecord> certificate) {
    }

    @Transactional
    public Certified register(AuthenticatedUser caller, Registration registration, ClientAddress from) {
        limits.deviceRegistration(caller.id());
        return certifyNew(caller.id(), caller.id(), registration, AuditEventType.DEVICE_CERTIFIED, from);
    }

    /** An admin registers a team server; it belongs to the organization's team-server user. */
    @Transactional
    public Certified registerTeamServer(AuthenticatedUser caller, Registration registration, ClientAddress from) {
        caller.requireAdmin();
        limits.deviceRegistration(caller.id());
        OrgID org = caller.organization();
        UserID teamServer = org.teamServerUser();
        if (!users.existsById(teamServer.value())) {
            users.saveAndFlush(new UserAccount(teamServer, org, "Team", "Server", null, Role.USER, clock.instant()));
        }
        return certifyNew(caller.id(), teamServer, registration, AuditEventType.TEAM_SERVER_CERTIFIED, from);
    }

    private Certified certifyNew(UserID actor, UserID owner, Registration registration, AuditEventType event, ClientAddress from) {
        DeviceCertificationRequest csr = DeviceCertificationRequest.parse(registration.csr());
        if (registration.deviceId() != null && !registration.deviceId().equals(csr.device())) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, "csr-subject-invalid",
                    "The CSR's CN is " + csr.device() + ", not the device_id " + registration.deviceId() + ".");
        }
        Optional<Device> existing = devices.lockById(csr.device().hex());
        if (existing.isPresent()) {
            Device d = existing.get();
            if (!d.owner().equals(owner)) {
                throw new ApiProblemException(HttpStatus.CONFLICT, "device-owned-elsewhere",
                        "Device " + csr.device() + " is registered to another user.");
            }
            throw new ApiProblemException(HttpStatus.CONFLICT, "device-exists", d.unlinked()
                    ? "Device " + csr.device() + " was unlinked; a device id is never reused. Generate a new one."
                    : "Device " + csr.device() + " is already registered; recertify it with its current certificate.");
        }
        Device device = devices.saveAndFlush(new Device(csr.device(), owner, registration.name().strip(),
                registration.osFamily().strip(), registration.osName().strip(), clock.instant()));
        IssuedCertificate certificate = issuer.issue(csr, owner);
        // The stores its owner syncs have one more device (their XMPP rooms gain a member).
        storeChanges.devicesChanged(owner);
        audit.record(event, actor, device.id(), from, Map.of("serial", Long.toString(certificate.serial()), "owner", owner.value()));
        return new Certified(device.id(), owner, certificate);
    }

    @Transactional(readOnly = true)
    public List<DeviceDetails> devicesOf(AuthenticatedUser caller) {
        return devices.linkedOf(caller.id().value()).stream().map(this::details).toList();
    }

    /** Admins: the organization's linked devices by id, a page at a time, of one owner when {@code owner} is not null. */
    @Transactional(readOnly = true)
    public List<DeviceDetails> organizationDevices(AuthenticatedUser caller, DID after, UserID owner, int limit) {
        caller.requireAdmin();
        return devices.linkedInOrganization(caller.organization().value(), after == null ? "" : after.hex(),
                owner == null ? null : owner.value(), limit).stream().map(this::details).toList();
    }

    @Transactional(readOnly = true)
    public DeviceDetails device(AuthenticatedUser caller, DID did) {
        return details(visible(caller, did));
    }

    /** Renames a device of the caller's, or any member's device when the caller is an admin. */
    @Transactional
    public DeviceDetails rename(AuthenticatedUser caller, DID did, String name, ClientAddress from) {
        Device device = visible(caller, did);
        String before = device.name();
        device.rename(name.strip());
        // The owner's other devices show this name: they refetch it (whoever renamed it).
        commands.enqueueAll(othersOf(device), CommandType.INVALIDATE_DEVICE_NAME_CACHE);
        audit.record(AuditEventType.DEVICE_RENAMED, caller.id(), did, from,
                Map.of("from", before, "to", device.name(), "owner", device.owner().value()));
        return details(device);
    }

    /** Unlinks a device of the caller's, or any member's device when the caller is an admin. */
    @Transactional
    public void unlink(AuthenticatedUser caller, DID did, boolean wipe, ClientAddress from) {
        Device device = visible(caller, did);
        unlink(device, wipe, caller.id(), from);
    }

    /** Unlinks every device of a user (deactivation); returns how many. */
    @Transactional
    public int unlinkAllOf(UserID user, boolean wipe, UserID actor, ClientAddress from) {
        List<Device> linked = devices.linkedOf(user.value());
        linked.forEach(d -> unlink(d, wipe, actor, from));
        return linked.size();
    }

    private void unlink(Device device, boolean wipe, UserID actor, ClientAddress from) {
        device.unlink(clock.instant());
        List<Long> revoked = revocations.revokeDevice(device.id().hex());
        // The device's queue holds only its unlink, so nothing else runs first; the owner's other
        // devices refetch the CRL, which now lists its certificate.
        commands.replace(device.id(), wipe ? CommandType.UNLINK_AND_WIPE_SELF : CommandType.UNLINK_SELF);
        commands.enqueueAll(othersOf(device), CommandType.REFRESH_CRL);
        storeChanges.devicesChanged(device.owner());
        unlinked.unlinked(device.id());
        audit.record(AuditEventType.DEVICE_UNLINKED, actor, device.id(), from,
                Map.of("wipe", wipe, "owner", device.owner().value(), "revoked_serials", revoked.stream().map(String::valueOf).toList()));
    }

    /** An admin asks a linked device to upload its logs (UPLOAD_LOGS through the command queue). */
    @Transactional
    public LogsRequest requestLogs(AuthenticatedUser caller, DID did, String defectId, Duration validFor, ClientAddress from) {
        caller.requireAdmin();
        visible(caller, did); // an unlinked device is not visible: it takes no more commands
        String defect = defectId != null ? defectId : java.util.UUID.randomUUID().toString();
        Instant now = clock.instant();
        long expiry = now.plus(validFor).toEpochMilli();
        // Remembered so that the device's upload can be checked against it (dev.aero.sp.devicelogs).
        logsRequests.record(did, defect, caller.organization(), caller.id(), now, Instant.ofEpochMilli(expiry));
        commands.enqueue(did, Command.newBuilder().setType(CommandType.UPLOAD_LOGS)
                .setUploadLogsArgs(UploadLogsArgs.newBuilder().setDefectId(defect).setExpiryTime(expiry)).build());
        audit.record(AuditEventType.DEVICE_LOGS_REQUESTED, caller.id(), did, from, Map.of("defect_id", defect, "expiry_time", expiry));
        return new LogsRequest(defect, java.time.Instant.ofEpochMilli(expiry));
    }

    public record LogsRequest(String defectId, java.time.Instant expiryTime) {
    }

    /*
     * The queue and its dead letters live in command-server, which is asked while the caller
     * waits: these two hold no transaction (and no database connection) over that call.
     */

    /** Admins: a linked device's command queue, head first, and its dead letters, from command-server. */
    public CommandServerQueues.DeviceQueue commandQueue(AuthenticatedUser caller, DID did) {
        caller.requireAdmin();
        visible(caller, did);
        return queues.of(did);
    }

    /** Admins: a linked device's dead letters go back to the tail of its queue; how many did. */
    public long redriveDeadLetters(AuthenticatedUser caller, DID did, ClientAddress from) {
        caller.requireAdmin();
        Device device = visible(caller, did);
        long redriven = queues.redrive(did);
        audit.record(AuditEventType.DEAD_LETTERS_REDRIVEN, caller.id(), did, from,
                Map.of("commands", redriven, "owner", device.owner().value()));
        return redriven;
    }

    /** The linked devices of {@code owner}, for what the other features send them. */
    @Transactional(readOnly = true)
    public List<DID> linkedDevicesOf(UserID owner) {
        return devices.linkedOf(owner.value()).stream().map(Device::id).toList();
    }

    /** The user a linked device belongs to; empty for an unknown or unlinked device. */
    @Transactional(readOnly = true)
    public Optional<UserID> ownerOf(DID did) {
        return devices.findById(did.hex()).filter(d -> !d.unlinked()).map(Device::owner);
    }

    /** The owner's other linked devices. */
    private List<DID> othersOf(Device device) {
        return devices.linkedOf(device.owner().value()).stream().map(Device::id).filter(d -> !d.equals(device.id())).toList();
    }

    /** A device replaces its certificate; the one it authenticated with (and any other) is revoked. */
    @Transactional
    public Certified recertify(AuthenticatedDevice caller, DID did, String csrPem, ClientAddress from) {
        if (!caller.device().equals(did)) {
            throw new ApiProblemException(HttpStatus.FORBIDDEN, "device-mismatch",
                    "A device can only recertify itself; the certificate is for " + caller.device() + ".");
        }
        DeviceCertificationRequest csr = DeviceCertificationRequest.parse(csrPem);
        if (!csr.device().equals(did)) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, "csr-subject-invalid",
                    "The CSR's CN is " + csr.device() + ", not this device " + did + ".");
        }
        Device device = devices.lockById(did.hex()).filter(d -> !d.unlinked())
                .orElseThrow(() -> notFound(did));
        List<Long> revoked = revocations.revokeDevice(did.hex());
        IssuedCertificate certificate = issuer.issue(csr, device.owner());
        audit.record(AuditEventType.DEVICE_RECERTIFIED, caller.user(), did, from,
                Map.of("serial", Long.toString(certificate.serial()), "revoked_serials", revoked.stream().map(String::valueOf).toList()));
        return new Certified(did, device.owner(), certificate);
    }

    public String caCertificatePem() {
        return issuer.caCertificatePem();
    }

    private Device visible(AuthenticatedUser caller, DID did) {
        Device device = devices.findById(did.hex()).filter(d -> !d.unlinked()).orElseThrow(() -> notFound(did));
        if (device.owner().equals(caller.id())) {
            return device;
        }
        if (caller.isAdmin() && users.findById(device.owner().value())
                .map(UserAccount::organization).filter(caller.organization()::equals).isPresent()) {
            return device;
        }
        throw notFound(did);
    }

    private DeviceDetails details(Device device) {
        return new DeviceDetails(device, issuer.current(device.id()));
    }

    private static ApiProblemException notFound(DID did) {
        return new ApiProblemException(HttpStatus.NOT_FOUND, "device-not-found", "No device " + did + ".");
    }
}
