package dev.aero.sp.organization;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.aero.common.id.UserID;
import dev.aero.common.web.ApiProblemException;
import dev.aero.sp.account.AccountService;
import dev.aero.sp.account.AuthenticatedUser;
import dev.aero.sp.account.Role;
import dev.aero.sp.account.UserAccount;
import dev.aero.sp.account.UserAccounts;
import dev.aero.common.audit.AuditEventType;
import dev.aero.sp.audit.AuditLog;
import dev.aero.sp.device.DeviceService;
import dev.aero.sp.ratelimit.UserActionLimits;
import dev.aero.sp.sharing.SharingService;
import dev.aero.sp.web.ClientAddress;

/** The organization's members: listing, invitations, roles and deactivation (admins only). */
@Service
public class MembershipService {

    private final SharingService sharing;
    private final Organizations organizations;
    private final UserAccounts users;
    private final InvitationIssuer issuer;
    private final AccountService accounts;
    private final DeviceService devices;
    private final AuditLog audit;
    private final Clock clock;
    private final UserActionLimits limits;

    MembershipService(Organizations organizations, UserAccounts users, InvitationIssuer issuer, AccountService accounts,
            DeviceService devices, SharingService sharing, AuditLog audit, Clock clock, UserActionLimits limits) {
        this.limits = limits;
        this.sharing = sharing;
        this.organizations = organizations;
        this.users = users;
        this.issuer = issuer;
        this.accounts = accounts;
        this.devices = devices;
        this.audit = audit;
        this.clock = clock;
    }

    @Transactional(readOnly = true)
    public Organization organization(AuthenticatedUser caller) {
        return organizations.findById(caller.organization().value()).orElseThrow();
    }

    @Transactional(readOnly = true)
    public List<UserAccount> members(AuthenticatedUser caller) {
        caller.requireAdmin();
        return users.members(caller.organization().value());
    }

    @Transactional
    public InvitationIssuer.IssuedInvitation invite(AuthenticatedUser caller, String email, ClientAddress from) {
        caller.requireAdmin();
        UserID invitee = Enrollment.personalUserId(email);
        limits.invitation(caller.id());
        if (users.existsById(invitee.value())) {
            throw new ApiProblemException(HttpStatus.CONFLICT, "already-member", invitee.value() + " already has an account.");
        }
        return issuer.issue(caller.id(), caller.organization(), invitee, from);
    }

    @Transactional
    public UserAccount setRole(AuthenticatedUser caller, String email, Role role, ClientAddress from) {
        caller.requireAdmin();
        List<UserAccount> admins = users.lockActiveAdmins(caller.organization().value());
        UserAccount member = member(caller, email);
        Role before = member.role();
        if (before == role) {
            return member;
        }
        if (before == Role.ADMIN && member.active() && admins.size() <= 1) {
            throw lastAdmin();
        }
        member.setRole(role);
        audit.record(AuditEventType.ROLE_CHANGED, caller.id(), member.id(), from,
                Map.of("from", before.name(), "to", role.name()));
        return member;
    }

    /**
     * Deactivates a member: no more sign-in, every session ended, every device unlinked and its
     * certificates revoked. Deactivating a deactivated member changes nothing.
     */
    @Transactional
    public UserAccount deactivate(AuthenticatedUser caller, String email, boolean eraseDevices, ClientAddress from) {
        caller.requireAdmin();
        List<UserAccount> admins = users.lockActiveAdmins(caller.organization().value());
        UserAccount member = member(caller, email);
        if (!member.active()) {
            return member;
        }
        if (member.isAdmin() && admins.size() <= 1) {
            throw lastAdmin();
        }
        member.deactivate(clock.instant());
        accounts.endAllSessions(member.id());
        int unlinked = devices.unlinkAllOf(member.id(), eraseDevices, caller.id(), from);
        sharing.removeFromEveryFolder(member.id(), caller, from);
        audit.record(AuditEventType.USER_DEACTIVATED, caller.id(), member.id(), from,
                Map.of("erase_devices", eraseDevices, "devices_unlinked", unlinked));
        return member;
    }

    private UserAccount member(AuthenticatedUser caller, String email) {
        UserID id = Enrollment.personalUserId(email);
        return users.lockById(id.value())
                .filter(u -> u.organization().equals(caller.organization()))
                .orElseThrow(() -> new ApiProblemException(HttpStatus.NOT_FOUND, "member-not-found",
                        "No member " + id.value() + " in this organization."));
    }

    private static ApiProblemException lastAdmin() {
        return new ApiProblemException(HttpStatus.CONFLICT, "last-admin",
                "The organization must keep at least one active admin.");
    }
}
