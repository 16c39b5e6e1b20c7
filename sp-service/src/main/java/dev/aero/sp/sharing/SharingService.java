package dev.aero.sp.sharing;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.id.UserID;
import dev.aero.common.web.ApiProblemException;
import dev.aero.sp.SpProperties;
import dev.aero.sp.account.AuthenticatedUser;
import dev.aero.sp.account.UserAccount;
import dev.aero.sp.account.UserAccounts;
import dev.aero.common.audit.AuditEventType;
import dev.aero.sp.audit.AuditLog;
import dev.aero.sp.device.DeviceService;
import dev.aero.sp.mail.Mailer;
import dev.aero.sp.organization.Enrollment;
import dev.aero.sp.organization.InvitationIssuer;
import dev.aero.sp.ratelimit.UserActionLimits;
import dev.aero.sp.web.ClientAddress;

/**
 * The rules of shared folders (docs/sp-service.md, Sharing): who may see, join, manage and
 * destroy a folder, and which users' ACL epochs each change moves. Every change locks the
 * folder's row first, so changes to one folder run one at a time, and moves the epochs of
 * exactly the users whose {@code GET /acl} answer it changes, in the same transaction.
 */
@Service
public class SharingService {

    private final SharedFolders folders;
    private final Groups groups;
    private final AclEpochs epochs;
    private final DeviceService devices;
    private final UserAccounts users;
    private final AuditLog audit;
    private final Mailer mailer;
    private final InvitationIssuer invitations;
    private final SpProperties properties;
    private final AclAnswers aclAnswers;
    private final StoreDevices storeDevices;
    private final StoreChanges storeChanges;
    private final Clock clock;
    private final UserActionLimits limits;

    SharingService(SharedFolders folders, Groups groups, AclEpochs epochs, DeviceService devices, UserAccounts users, AuditLog audit,
            Mailer mailer, InvitationIssuer invitations, SpProperties properties, AclAnswers aclAnswers, StoreDevices storeDevices,
            StoreChanges storeChanges, Clock clock, UserActionLimits limits) {
        this.limits = limits;
        this.groups = groups;
        this.storeDevices = storeDevices;
        this.storeChanges = storeChanges;
        this.aclAnswers = aclAnswers;
        this.invitations = invitations;
        this.properties = properties;
        this.mailer = mailer;
        this.folders = folders;
        this.epochs = epochs;
        this.devices = devices;
        this.users = users;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * One folder with its members (effective roles) and its group grants, as a member or an
     * admin of its organization sees it; {@code viaGroups} names, per member, the groups it
     * holds the folder through.
     */
    public record FolderDetails(SID sid, String name, List<SharedFolders.Member> members, List<SharedFolders.GroupGrant> groups,
            Map<UserID, List<Long>> viaGroups) { }

    @Transactional
    public SharedFolders.Membership create(AuthenticatedUser caller, String name, SID requested, ClientAddress from) {
        String clean = name(name);
        SID sid = requested != null ? requested : SID.random();
        if (folders.lock(sid).isPresent()) {
            throw new ApiProblemException(HttpStatus.CONFLICT, "shared-folder-exists", "The folder id " + sid + " is taken.");
        }
        folders.create(sid, caller.organization(), clean, caller.id(), clock.instant());
        folders.put(sid, caller.id(), FolderRole.OWNER, MemberState.JOINED, null, clock.instant());
        bump(sid, List.of(caller.id()));
        audit.record(AuditEventType.FOLDER_CREATED, caller.id(), sid.hex(), from, Map.of("name", clean));
        return new SharedFolders.Membership(sid, clean, FolderRole.OWNER, MemberState.JOINED);
    }

    @Transactional(readOnly = true)
    public List<SharedFolders.Membership> mine(AuthenticatedUser caller) {
        return folders.of(caller.id());
    }

    /**
     * A page of every folder of the caller's organization with its members (admins); only those
     * {@code member} is a member of, in any state, when it is not null.
     */
    @Transactional(readOnly = true)
    public List<FolderDetails> organizationFolders(AuthenticatedUser caller, SID after, UserID member, int limit) {
        caller.requireAdmin();
        List<SharedFolders.Folder> page = member == null ? folders.ofOrganization(caller.organization(), after, limit)
                : folders.ofOrganizationWithMember(caller.organization(), member, after, limit);
        return page.stream().map(this::details).toList();
    }

    @Transactional(readOnly = true)
    public FolderDetails folder(AuthenticatedUser caller, SID sid) {
        return details(visible(caller, folders.find(sid), sid));
    }

    private FolderDetails details(SharedFolders.Folder folder) {
        SID sid = folder.sid();
        return new FolderDetails(sid, folder.name(), folders.members(sid), folders.groupGrants(sid), folders.grantingGroups(sid));
    }

    // ---- group grants ----

    /** Shares the folder with a group of the organization: its members get the role (at least), new ones PENDING (MANAGE). */
    @Transactional
    public FolderDetails shareWithGroup(AuthenticatedUser caller, SID sid, long groupId, FolderRole role, ClientAddress from) {
        // The group is locked before the folder, in the order its member changes take them.
        Optional<Groups.Group> locked = lockedGroup(caller, groupId);
        SharedFolders.Folder folder = requireManager(caller, sid);
        Groups.Group group = locked.orElseThrow(() -> groupNotFound(groupId));
        List<UserID> members = groups.members(group.id());
        Map<UserID, SharedFolders.Member> before = before(sid, members);
        folders.grant(sid, group.id(), role);
        members.forEach(u -> reconcile(sid, u, before.get(u)));
        audit.record(AuditEventType.FOLDER_GROUP_SHARED, caller.id(), sid.hex(), from, Map.of("group_id", group.id(), "role", role.name()));
        return details(folder);
    }

    /** Stops sharing the folder with a group: members that held it only through the group lose it (MANAGE). */
    @Transactional
    public void unshareGroup(AuthenticatedUser caller, SID sid, long groupId, ClientAddress from) {
        Optional<Groups.Group> locked = lockedGroup(caller, groupId);
        requireManager(caller, sid);
        Groups.Group group = locked.orElseThrow(() -> groupNotFound(groupId));
        List<UserID> members = groups.members(group.id());
        Map<UserID, SharedFolders.Member> before = before(sid, members);
        if (!folders.revoke(sid, group.id())) {
            throw groupNotFound(groupId);
        }
        members.forEach(u -> reconcile(sid, u, before.get(u)));
        audit.record(AuditEventType.FOLDER_GROUP_UNSHARED, caller.id(), sid.hex(), from, Map.of("group_id", group.id()));
    }

    /**
     * A group's membership is about to change by {@code change}: the folders shared with the
     * group are locked first, then each member's folders are brought in line with its grants.
     */
    void groupMembershipChanging(long groupId, UserID user, Runnable change) {
        List<SID> shared = folders.foldersOfGroup(groupId);
        Map<SID, SharedFolders.Member> before = new java.util.LinkedHashMap<>();
        for (SID sid : shared) {
            folders.lock(sid);
            before.put(sid, folders.member(sid, user).orElse(null));
        }
        change.run();
        for (SID sid : shared) {
            reconcile(sid, user, before.get(sid));
        }
    }

    /** A group is about to be deleted: every folder stops being shared with it. */
    void groupDeleting(long groupId) {
        List<UserID> members = groups.members(groupId);
        for (SID sid : folders.foldersOfGroup(groupId)) {
            folders.lock(sid);
            Map<UserID, SharedFolders.Member> before = before(sid, members);
            folders.revoke(sid, groupId);
            members.forEach(u -> reconcile(sid, u, before.get(u)));
        }
    }

    private Map<UserID, SharedFolders.Member> before(SID sid, List<UserID> users) {
        Map<UserID, SharedFolders.Member> out = new java.util.HashMap<>();
        users.forEach(u -> folders.member(sid, u).ifPresent(m -> out.put(u, m)));
        return out;
    }

    /**
     * Brings one user's row in the folder in line with its direct role and its group grants,
     * given what it was before a grant changed: a new grant adds it PENDING; a row left with
     * neither goes; a JOINED member whose effective role or presence changed moves the epochs of
     * the folder's JOINED members (itself included).
     */
    private void reconcile(SID sid, UserID user, SharedFolders.Member before) {
        boolean granted = folders.hasGroupGrant(sid, user);
        if (before == null) {
            if (granted) {
                folders.addThroughGroup(sid, user, clock.instant());
            }
            return;
        }
        if (!granted && !folders.hasDirectRole(sid, user)) {
            List<UserID> affected = before.state() == MemberState.JOINED ? joined(sid) : List.of();
            folders.remove(sid, user);
            bump(sid, affected);
            return;
        }
        SharedFolders.Member after = folders.member(sid, user).orElseThrow();
        if (after.state() == MemberState.JOINED && after.role() != before.role()) {
            bump(sid, joined(sid));
        }
    }

    private Optional<Groups.Group> lockedGroup(AuthenticatedUser caller, long groupId) {
        return groups.lock(groupId).filter(g -> g.organization().equals(caller.organization()));
    }

    static ApiProblemException groupNotFound(long groupId) {
        return new ApiProblemException(HttpStatus.NOT_FOUND, "group-not-found", "No group " + groupId + " in this organization.");
    }

    @Transactional
    public SharedFolders.Member invite(AuthenticatedUser caller, SID sid, String email, FolderRole role, ClientAddress from) {
        requireManager(caller, sid);
        UserID invitee = Enrollment.personalUserId(email);
        limits.invitation(caller.id());
        Optional<UserAccount> account = users.findById(invitee.value());
        boolean newcomer = account.isEmpty();
        if (newcomer) {
            // The row waits under the address; the user finds it PENDING once signed up.
            if (!caller.isAdmin() && !properties.membersMayInvite()) {
                throw new ApiProblemException(HttpStatus.NOT_FOUND, "user-not-found",
                        "No account " + invitee + ", and only admins may invite people to the organization.");
            }
        } else if (!account.get().active() || !account.get().organization().equals(caller.organization())) {
            throw new ApiProblemException(HttpStatus.NOT_FOUND, "user-not-found", "No active account " + invitee + " in this organization.");
        }
        Optional<SharedFolders.Member> existing = folders.member(sid, invitee);
        if (existing.isPresent() && existing.get().state() != MemberState.LEFT) {
            throw new ApiProblemException(HttpStatus.CONFLICT, "member-exists", invitee + " is already invited to or in the folder.");
        }
        // PENDING changes nobody's ACL: only JOINED members are listed there.
        SharedFolders.Folder folder = folders.find(sid).orElseThrow();
        folders.put(sid, invitee, role, MemberState.PENDING, caller.id(), clock.instant());
        audit.record(AuditEventType.FOLDER_INVITED, caller.id(), invitee, from, Map.of("sid", sid.hex(), "role", role.name()));
        if (newcomer) {
            invitations.issue(caller.id(), caller.organization(), invitee, from);
        }
        // Sent after the commit; the answer does not depend on mail being configured.
        mailer.send("folder-invitation", invitee.value(), caller.id() + " shared \"" + folder.name() + "\" with you",
                caller.id() + " invites you to the shared folder \"" + folder.name() + "\" as " + role.name() + ".\n\n"
                        + (newcomer
                                ? "Sign up with the invitation code mailed to you separately; the folder waits for you there.\n"
                                : "Open Aero on one of your devices to join it, or to decline.\n"));
        return new SharedFolders.Member(invitee, role, MemberState.PENDING);
    }

    @Transactional
    public SharedFolders.Membership join(AuthenticatedUser caller, SID sid, ClientAddress from) {
        SharedFolders.Folder folder = live(folders.lock(sid), sid);
        SharedFolders.Member me = folders.member(sid, caller.id()).orElseThrow(() -> notFound(sid));
        if (me.state() != MemberState.JOINED) {
            folders.setState(sid, caller.id(), MemberState.JOINED, clock.instant());
            // The joiner gains the folder; its JOINED members gain a member.
            bump(sid, joined(sid));
            audit.record(AuditEventType.FOLDER_JOINED, caller.id(), caller.id(), from, Map.of("sid", sid.hex()));
        }
        return new SharedFolders.Membership(sid, folder.name(), me.role(), MemberState.JOINED);
    }

    @Transactional
    public void leave(AuthenticatedUser caller, SID sid, ClientAddress from) {
        live(folders.lock(sid), sid);
        SharedFolders.Member me = folders.member(sid, caller.id()).orElseThrow(() -> notFound(sid));
        if (me.state() != MemberState.JOINED) {
            throw new ApiProblemException(HttpStatus.CONFLICT, "not-joined", "Only a JOINED member can leave.");
        }
        requireAnotherOwner(sid, caller.id(), me);
        List<UserID> affected = joined(sid);
        folders.setState(sid, caller.id(), MemberState.LEFT, clock.instant());
        bump(sid, affected);
        audit.record(AuditEventType.FOLDER_LEFT, caller.id(), caller.id(), from, Map.of("sid", sid.hex()));
    }

    @Transactional
    public void ignore(AuthenticatedUser caller, SID sid, ClientAddress from) {
        live(folders.lock(sid), sid);
        SharedFolders.Member me = folders.member(sid, caller.id()).orElseThrow(() -> notFound(sid));
        if (me.state() != MemberState.PENDING) {
            throw new ApiProblemException(HttpStatus.CONFLICT, "not-pending", "Only a PENDING invitation can be ignored.");
        }
        requireAnotherOwner(sid, caller.id(), me);
        folders.remove(sid, caller.id());
        audit.record(AuditEventType.FOLDER_IGNORED, caller.id(), caller.id(), from, Map.of("sid", sid.hex()));
    }

    @Transactional
    public SharedFolders.Member setRole(AuthenticatedUser caller, SID sid, String email, FolderRole role, ClientAddress from) {
        requireManager(caller, sid);
        UserID target = Enrollment.personalUserId(email);
        SharedFolders.Member member = folders.member(sid, target).orElseThrow(() -> memberNotFound(target));
        if (member.role() == role) {
            return member;
        }
        if (!role.canManage()) {
            requireAnotherOwner(sid, target, member);
        }
        folders.setRole(sid, target, role, clock.instant());
        if (member.state() == MemberState.JOINED) {
            // Every JOINED member sees the member list with its roles.
            bump(sid, joined(sid));
        }
        audit.record(AuditEventType.FOLDER_ROLE_CHANGED, caller.id(), target, from,
                Map.of("sid", sid.hex(), "from", member.role().name(), "to", role.name()));
        return new SharedFolders.Member(target, role, member.state());
    }

    @Transactional
    public void remove(AuthenticatedUser caller, SID sid, String email, ClientAddress from) {
        requireManagerOrAdmin(caller, sid);
        UserID target = Enrollment.personalUserId(email);
        SharedFolders.Member member = folders.member(sid, target).orElseThrow(() -> memberNotFound(target));
        requireAnotherOwner(sid, target, member);
        List<UserID> affected = member.state() == MemberState.JOINED ? joined(sid) : List.of();
        folders.remove(sid, target);
        bump(sid, affected);
        audit.record(AuditEventType.FOLDER_MEMBER_REMOVED, caller.id(), target, from, Map.of("sid", sid.hex()));
    }

    /**
     * A deactivated user leaves every folder: its rows go, and a folder it was the last owner of
     * passes to {@code admin}, who deactivated it (JOINED OWNER). Runs in the deactivation's
     * transaction.
     */
    @Transactional
    public void removeFromEveryFolder(UserID user, AuthenticatedUser admin, ClientAddress from) {
        // Out of its groups first, so that no group grant brings it back.
        groups.removeEverywhere(user);
        for (SharedFolders.Membership m : folders.of(user)) {
            SID sid = m.sid();
            live(folders.lock(sid), sid);
            SharedFolders.Member member = folders.member(sid, user).orElse(null);
            if (member == null) {
                continue;
            }
            List<UserID> affected = new ArrayList<>(member.state() == MemberState.JOINED ? joined(sid) : List.of());
            if (member.role() == FolderRole.OWNER && member.state() != MemberState.LEFT && !hasAnotherOwner(sid, user)) {
                folders.put(sid, admin.id(), FolderRole.OWNER, MemberState.JOINED, admin.id(), clock.instant());
                affected.addAll(joined(sid));
                audit.record(AuditEventType.FOLDER_ROLE_CHANGED, admin.id(), admin.id(), from,
                        Map.of("sid", sid.hex(), "to", FolderRole.OWNER.name(), "reason", "last owner deactivated"));
            }
            folders.remove(sid, user);
            bump(sid, affected);
            audit.record(AuditEventType.FOLDER_MEMBER_REMOVED, admin.id(), user, from, Map.of("sid", sid.hex(), "reason", "deactivated"));
        }
    }

    @Transactional
    public SharedFolders.Folder rename(AuthenticatedUser caller, SID sid, String name, ClientAddress from) {
        SharedFolders.Folder folder = requireManager(caller, sid);
        String clean = name(name);
        if (!clean.equals(folder.name())) {
            folders.rename(sid, clean);
            // The members are the same, so their kept list stays right: only the epochs move.
            bumpEpochs(sid, joined(sid));
            audit.record(AuditEventType.FOLDER_RENAMED, caller.id(), sid.hex(), from, Map.of("from", folder.name(), "to", clean));
        }
        return new SharedFolders.Folder(sid, folder.organization(), clean, folder.createdAt(), false);
    }

    @Transactional
    public void destroy(AuthenticatedUser caller, SID sid, ClientAddress from) {
        requireManagerOrAdmin(caller, sid);
        List<UserID> affected = joined(sid);
        folders.destroy(sid, clock.instant());
        bump(sid, affected);
        audit.record(AuditEventType.FOLDER_DESTROYED, caller.id(), sid.hex(), from);
    }

    /** {@code GET /acl}'s answer as JSON: the epoch alone when {@code since} is not below it, else the whole ACL. */
    @Transactional(readOnly = true)
    AclAnswers.Answer acl(UserID user, long since) {
        return aclAnswers.answer(user, since);
    }

    /**
     * The stores a device may sync, for services (verkehr's store-topic checks): those its user
     * has JOINED, or for a team server every folder its organization has joined.
     */
    @Transactional(readOnly = true)
    public DeviceStores storesOf(DID device) {
        UserID user = devices.ownerOf(device).orElseThrow(() -> new ApiProblemException(HttpStatus.NOT_FOUND, "device-not-found",
                "No linked device " + device + "."));
        List<String> stores = folders.synced(user).stream().map(SharedFolders.AclFolder::sid).sorted().map(SID::hex).toList();
        return new DeviceStores(device.hex(), user.value(), stores);
    }

    public record DeviceStores(String did, String user, List<String> stores) { }

    /**
     * The devices of one store, for services (xmpp-bridge makes them its room's members);
     * {@code exists} is false, with no devices, for an unknown or destroyed folder.
     */
    @Transactional(readOnly = true)
    public StoreDeviceList storeDevices(SID sid) {
        return folders.find(sid).filter(f -> !f.destroyed())
                .map(f -> new StoreDeviceList(sid.hex(), true, hex(storeDevices.of(List.of(f)).get(sid))))
                .orElseGet(() -> new StoreDeviceList(sid.hex(), false, List.of()));
    }

    /** A page of every live store with its devices, by SID after {@code after}, for services' reconciliation. */
    @Transactional(readOnly = true)
    public List<StoreDeviceList> stores(SID after, int limit) {
        List<SharedFolders.Folder> page = storeDevices.page(after, limit);
        Map<SID, List<DID>> devicesOf = storeDevices.of(page);
        return page.stream().map(f -> new StoreDeviceList(f.sid().hex(), true, hex(devicesOf.get(f.sid())))).toList();
    }

    private static List<String> hex(List<DID> devices) {
        return devices.stream().map(DID::hex).toList();
    }

    public record StoreDeviceList(String sid, boolean exists, List<String> devices) { }

    /** {@code GET /acl}'s answer; {@code stores} null (left out) when the caller is up to date. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Acl(long epoch, List<Store> stores) {

        public record Store(String sid, String name, String role, List<String> permissions, List<Member> members) { }

        public record Member(String user, String role) { }
    }

    // ---- rules ----

    /**
     * After a change to the folder's members or their roles: moves its member-list version,
     * records the store's change for services and moves the epochs of those who see the change
     * ({@link #bumpEpochs}).
     */
    private void bump(SID sid, java.util.Collection<UserID> users) {
        folders.touch(sid);
        // Who has JOINED may have changed: xmpp-bridge hears of it through svc/stores.
        storeChanges.changed(sid);
        bumpEpochs(sid, users);
    }

    /**
     * Moves the ACL epochs of {@code users}, who see a change to the folder, and of its
     * organization's team-server user, whose ACL lists every folder the organization has joined
     * with its JOINED members.
     */
    private void bumpEpochs(SID sid, java.util.Collection<UserID> users) {
        if (users.isEmpty()) {
            return;
        }
        List<UserID> all = new ArrayList<>(users);
        folders.find(sid).ifPresent(f -> all.add(f.organization().teamServerUser()));
        epochs.bump(all);
    }

    private List<UserID> joined(SID sid) {
        return folders.members(sid).stream().filter(m -> m.state() == MemberState.JOINED).map(SharedFolders.Member::user).toList();
    }

    /** A folder must keep an OWNER who is JOINED or PENDING besides {@code leaving} when {@code leaving} is one. */
    private void requireAnotherOwner(SID sid, UserID leaving, SharedFolders.Member member) {
        if (member.role() != FolderRole.OWNER || member.state() == MemberState.LEFT) {
            return;
        }
        if (!hasAnotherOwner(sid, leaving)) {
            throw new ApiProblemException(HttpStatus.CONFLICT, "last-owner",
                    "The folder must keep an owner; make another member OWNER first, or destroy the folder.");
        }
    }

    private boolean hasAnotherOwner(SID sid, UserID leaving) {
        return folders.members(sid).stream().anyMatch(m -> !m.user().equals(leaving) && m.role() == FolderRole.OWNER
                && m.state() != MemberState.LEFT);
    }

    /** The folder, locked, when the caller is a JOINED member with MANAGE; 404 for non-members, 403 for other members. */
    private SharedFolders.Folder requireManager(AuthenticatedUser caller, SID sid) {
        SharedFolders.Folder folder = live(folders.lock(sid), sid);
        SharedFolders.Member me = folders.member(sid, caller.id()).orElse(null);
        if (me == null) {
            if (adminOf(caller, folder)) {
                throw manageRequired();
            }
            throw notFound(sid);
        }
        if (me.state() != MemberState.JOINED || !me.role().canManage()) {
            throw manageRequired();
        }
        return folder;
    }

    /** As {@link #requireManager}, or the caller is an admin of the folder's organization. */
    private SharedFolders.Folder requireManagerOrAdmin(AuthenticatedUser caller, SID sid) {
        SharedFolders.Folder folder = live(folders.lock(sid), sid);
        if (adminOf(caller, folder)) {
            return folder;
        }
        return requireManager(caller, sid);
    }

    /** Folders are seen by their members (any state) and by the admins of their organization. */
    private SharedFolders.Folder visible(AuthenticatedUser caller, Optional<SharedFolders.Folder> found, SID sid) {
        SharedFolders.Folder folder = live(found, sid);
        if (folders.member(sid, caller.id()).isPresent() || adminOf(caller, folder)) {
            return folder;
        }
        throw notFound(sid);
    }

    private static boolean adminOf(AuthenticatedUser caller, SharedFolders.Folder folder) {
        return caller.isAdmin() && caller.organization().equals(folder.organization());
    }

    private static SharedFolders.Folder live(Optional<SharedFolders.Folder> found, SID sid) {
        return found.filter(f -> !f.destroyed()).orElseThrow(() -> notFound(sid));
    }

    /** The account of an address, which must be an active member of the caller's organization. */
    UserID account(AuthenticatedUser caller, String email) {
        UserID id = Enrollment.personalUserId(email);
        return users.findById(id.value()).filter(UserAccount::active).filter(u -> u.organization().equals(caller.organization()))
                .map(UserAccount::id)
                .orElseThrow(() -> new ApiProblemException(HttpStatus.NOT_FOUND, "user-not-found",
                        "No active account " + id + " in this organization."));
    }

    static String name(String name) {
        String clean = name == null ? "" : name.strip();
        if (clean.isEmpty() || clean.length() > 255 || clean.chars().anyMatch(Character::isISOControl)) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, "folder-name-invalid",
                    "A folder name is 1 to 255 characters without control characters.");
        }
        return clean;
    }

    private static ApiProblemException notFound(SID sid) {
        return new ApiProblemException(HttpStatus.NOT_FOUND, "shared-folder-not-found", "No shared folder " + sid + ".");
    }

    private static ApiProblemException memberNotFound(UserID user) {
        return new ApiProblemException(HttpStatus.NOT_FOUND, "member-not-found", user + " is not a member of the folder.");
    }

    private static ApiProblemException manageRequired() {
        return new ApiProblemException(HttpStatus.FORBIDDEN, "manage-permission-required",
                "This needs a JOINED member with the MANAGE permission (an OWNER).");
    }
}
