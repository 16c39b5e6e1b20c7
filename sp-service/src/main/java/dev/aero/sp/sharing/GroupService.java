package dev.aero.sp.sharing;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.aero.common.id.UserID;
import dev.aero.common.web.ApiProblemException;
import dev.aero.sp.account.AuthenticatedUser;
import dev.aero.common.audit.AuditEventType;
import dev.aero.sp.audit.AuditLog;
import dev.aero.sp.organization.Enrollment;
import dev.aero.sp.web.ClientAddress;

/**
 * The organization's groups: admins create, rename and delete them and change their members, every
 * member of the organization may read them. A change of members reaches every folder shared with
 * the group ({@link SharingService}): a new member gets the folders PENDING, a departing one
 * loses those it held only through the group.
 */
@Service
public class GroupService {

    public record GroupDetails(long id, String name, List<UserID> members) { }

    private final Groups groups;
    private final SharingService sharing;
    private final AuditLog audit;
    private final Clock clock;

    GroupService(Groups groups, SharingService sharing, AuditLog audit, Clock clock) {
        this.groups = groups;
        this.sharing = sharing;
        this.audit = audit;
        this.clock = clock;
    }

    @Transactional
    public GroupDetails create(AuthenticatedUser caller, String name, ClientAddress from) {
        caller.requireAdmin();
        String clean = SharingService.name(name);
        long id = groups.create(caller.organization(), clean, clock.instant());
        audit.record(AuditEventType.GROUP_CREATED, caller.id(), Long.toString(id), from, Map.of("name", clean));
        return new GroupDetails(id, clean, List.of());
    }

    @Transactional(readOnly = true)
    public List<Groups.Group> list(AuthenticatedUser caller) {
        return groups.ofOrganization(caller.organization());
    }

    @Transactional(readOnly = true)
    public GroupDetails group(AuthenticatedUser caller, long id) {
        Groups.Group group = visible(caller, id, false);
        return new GroupDetails(group.id(), group.name(), groups.members(id));
    }

    /** Renames a group (admins); the same name again changes nothing and is not audited. */
    @Transactional
    public GroupDetails rename(AuthenticatedUser caller, long id, String name, ClientAddress from) {
        caller.requireAdmin();
        String clean = SharingService.name(name);
        Groups.Group group = visible(caller, id, true);
        if (!clean.equals(group.name())) {
            groups.rename(id, clean);
            audit.record(AuditEventType.GROUP_RENAMED, caller.id(), Long.toString(id), from, Map.of("from", group.name(), "to", clean));
        }
        return new GroupDetails(group.id(), clean, groups.members(id));
    }

    @Transactional
    public void delete(AuthenticatedUser caller, long id, ClientAddress from) {
        caller.requireAdmin();
        visible(caller, id, true);
        sharing.groupDeleting(id);
        groups.delete(id);
        audit.record(AuditEventType.GROUP_DELETED, caller.id(), Long.toString(id), from);
    }

    @Transactional
    public GroupDetails addMember(AuthenticatedUser caller, long id, String email, ClientAddress from) {
        caller.requireAdmin();
        Groups.Group group = visible(caller, id, true);
        UserID user = sharing.account(caller, email);
        if (groups.isMember(id, user)) {
            throw new ApiProblemException(HttpStatus.CONFLICT, "group-member-exists", user + " is already in the group.");
        }
        sharing.groupMembershipChanging(id, user, () -> groups.add(id, user));
        audit.record(AuditEventType.GROUP_MEMBER_ADDED, caller.id(), user, from, Map.of("group_id", id));
        return new GroupDetails(group.id(), group.name(), groups.members(id));
    }

    @Transactional
    public void removeMember(AuthenticatedUser caller, long id, String email, ClientAddress from) {
        caller.requireAdmin();
        visible(caller, id, true);
        UserID user = Enrollment.personalUserId(email);
        if (!groups.isMember(id, user)) {
            throw new ApiProblemException(HttpStatus.NOT_FOUND, "member-not-found", user + " is not in the group.");
        }
        sharing.groupMembershipChanging(id, user, () -> groups.remove(id, user));
        audit.record(AuditEventType.GROUP_MEMBER_REMOVED, caller.id(), user, from, Map.of("group_id", id));
    }

    /** A group of the caller's organization, locked when {@code lock}; 404 otherwise. */
    private Groups.Group visible(AuthenticatedUser caller, long id, boolean lock) {
        return (lock ? groups.lock(id) : groups.find(id)).filter(g -> g.organization().equals(caller.organization()))
                .orElseThrow(() -> SharingService.groupNotFound(id));
    }
}
