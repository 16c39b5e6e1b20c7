package dev.aero.sp.sharing;

import java.io.IOException;
import java.net.URI;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Content;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.id.UserID;
import dev.aero.common.web.apidoc.ProblemResponse;
import dev.aero.sp.account.AdminOnly;
import dev.aero.sp.account.AuthenticatedUser;
import dev.aero.sp.device.AuthenticatedDevice;
import dev.aero.sp.ratelimit.RateLimited;
import dev.aero.sp.web.AuthenticatedService;
import dev.aero.sp.web.ClientAddress;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

@RestController
@Validated
@RequestMapping("/api/v1")
@Tag(name = "Shared folders", description = "Shared folders (stores), their members and roles; the ACL devices sync by")
class SharingController {

    private static final String NOT_FOUND = "no such folder, or the caller is not a member (nor an admin of its organization)";
    private static final String MANAGE = "the caller is a member without the MANAGE permission (not a JOINED OWNER)";

    private final SharingService sharing;

    SharingController(SharingService sharing) {
        this.sharing = sharing;
    }

    record CreateRequest(@NotNull @Size(max = 1024) String name, SID sid) { }

    record NameRequest(@NotNull @Size(max = 1024) String name) { }

    record InviteRequest(@NotNull @Size(max = 254) String email, @NotNull FolderRole role) { }

    record RoleRequest(@NotNull FolderRole role) { }

    /** One folder as the caller sees it. */
    record FolderView(String sid, String name, FolderRole role, MemberState state) {
        static FolderView of(SharedFolders.Membership m) {
            return new FolderView(m.sid().hex(), m.name(), m.role(), m.state());
        }
    }

    record FolderList(List<FolderView> folders) { }

    /** {@code groups}: the groups through which the member holds the folder, besides any direct role. */
    record MemberView(String email, FolderRole role, MemberState state, List<Long> groups) {
        static MemberView of(SharedFolders.Member m) {
            return new MemberView(m.user().value(), m.role(), m.state(), List.of());
        }

        static MemberView of(SharedFolders.Member m, List<Long> groups) {
            return new MemberView(m.user().value(), m.role(), m.state(), groups == null ? List.of() : groups);
        }
    }

    record GroupGrantView(long groupId, String name, FolderRole role) { }

    record FolderDetailsView(String sid, String name, List<MemberView> members, List<GroupGrantView> groups) { }

    record GroupGrantRequest(@NotNull Long groupId, @NotNull FolderRole role) { }

    @PostMapping("/shared-folders")
    @Operation(operationId = "createSharedFolder", summary = "Share a folder: the caller becomes its JOINED OWNER; `sid` is the "
            + "folder's id when the client has one already",
            responses = @ApiResponse(responseCode = "201", description = "The folder as the caller sees it; `Location` is the folder"))
    @ProblemResponse(status = 400, type = "folder-name-invalid", when = "the name is not 1-255 characters (trimmed) without control characters")
    @ProblemResponse(status = 409, type = "shared-folder-exists", when = "the `sid` is taken (ids of destroyed folders too)")
    ResponseEntity<FolderView> create(AuthenticatedUser caller, @Valid @RequestBody CreateRequest body, ClientAddress from) {
        SharedFolders.Membership created = sharing.create(caller, body.name(), body.sid(), from);
        return ResponseEntity.created(URI.create("/api/v1/shared-folders/" + created.sid().hex())).body(FolderView.of(created));
    }

    @GetMapping("/shared-folders")
    @Operation(operationId = "listSharedFolders", summary = "The folders the caller is invited to, has joined or has left, with its role")
    FolderList mine(AuthenticatedUser caller) {
        return new FolderList(sharing.mine(caller).stream().map(FolderView::of).toList());
    }

    record FolderPage(List<FolderDetailsView> folders, String nextAfter) { }

    @GetMapping("/organizations/me/shared-folders")
    @Operation(operationId = "listOrganizationSharedFolders", summary = "Every folder of the organization with its members (those "
            + "`member`, an e-mail address, is a member of in any state, when given), by SID, a page at a time: pass `next_after` "
            + "as `after` for the next (admins)")
    @AdminOnly
    FolderPage organizationFolders(AuthenticatedUser caller, @RequestParam(required = false) SID after,
            @RequestParam(required = false) UserID member,
            @RequestParam(defaultValue = "100") @Min(1) @Max(1000) int limit) {
        List<FolderDetailsView> page = sharing.organizationFolders(caller, after, member, limit).stream()
                .map(SharingController::view).toList();
        return new FolderPage(page, page.size() == limit ? page.getLast().sid() : null);
    }

    private static FolderDetailsView view(SharingService.FolderDetails d) {
        return new FolderDetailsView(d.sid().hex(), d.name(),
                d.members().stream().map(m -> MemberView.of(m, d.viaGroups().get(m.user()))).toList(),
                d.groups().stream().map(g -> new GroupGrantView(g.groupId(), g.name(), g.role())).toList());
    }

    @PostMapping("/shared-folders/{sid}/groups")
    @Operation(operationId = "shareSharedFolderWithGroup", summary = "Share a folder with a group of the organization: every "
            + "current and later member gets the role (PENDING until it joins); a member's effective role is its highest grant (MANAGE)")
    @ProblemResponse(status = 403, type = "manage-permission-required", when = MANAGE)
    @ProblemResponse(status = 404, type = "shared-folder-not-found", when = NOT_FOUND)
    @ProblemResponse(status = 404, type = "group-not-found", when = "no such group in the organization")
    FolderDetailsView shareWithGroup(AuthenticatedUser caller, @PathVariable SID sid, @Valid @RequestBody GroupGrantRequest body,
            ClientAddress from) {
        return view(sharing.shareWithGroup(caller, sid, body.groupId(), body.role(), from));
    }

    @DeleteMapping("/shared-folders/{sid}/groups/{groupId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(operationId = "unshareSharedFolderFromGroup", summary = "Stop sharing a folder with a group: members who held it "
            + "only through the group lose it (MANAGE)")
    @ProblemResponse(status = 403, type = "manage-permission-required", when = MANAGE)
    @ProblemResponse(status = 404, type = "shared-folder-not-found", when = NOT_FOUND)
    @ProblemResponse(status = 404, type = "group-not-found", when = "the folder is not shared with such a group")
    void unshareGroup(AuthenticatedUser caller, @PathVariable SID sid, @PathVariable long groupId, ClientAddress from) {
        sharing.unshareGroup(caller, sid, groupId, from);
    }

    @GetMapping("/shared-folders/{sid}")
    @Operation(operationId = "getSharedFolder", summary = "One folder with its members (to its members and the organization's admins)")
    @ProblemResponse(status = 404, type = "shared-folder-not-found", when = NOT_FOUND)
    FolderDetailsView folder(AuthenticatedUser caller, @PathVariable SID sid) {
        return view(sharing.folder(caller, sid));
    }

    @PatchMapping("/shared-folders/{sid}")
    @Operation(operationId = "renameSharedFolder", summary = "Rename a folder (MANAGE)")
    @ProblemResponse(status = 400, type = "folder-name-invalid", when = "the name is not 1-255 characters (trimmed) without control characters")
    @ProblemResponse(status = 403, type = "manage-permission-required", when = MANAGE)
    @ProblemResponse(status = 404, type = "shared-folder-not-found", when = NOT_FOUND)
    FolderDetailsView rename(AuthenticatedUser caller, @PathVariable SID sid, @Valid @RequestBody NameRequest body, ClientAddress from) {
        sharing.rename(caller, sid, body.name(), from);
        return folder(caller, sid);
    }

    @DeleteMapping("/shared-folders/{sid}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(operationId = "destroySharedFolder", summary = "Destroy a folder: every member is removed (MANAGE, or an admin of its organization)")
    @ProblemResponse(status = 403, type = "manage-permission-required", when = MANAGE)
    @ProblemResponse(status = 404, type = "shared-folder-not-found", when = NOT_FOUND)
    void destroy(AuthenticatedUser caller, @PathVariable SID sid, ClientAddress from) {
        sharing.destroy(caller, sid, from);
    }

    @PostMapping("/shared-folders/{sid}/members")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(operationId = "inviteToSharedFolder", summary = "Invite a member of the organization with a role: PENDING until "
            + "they join (MANAGE); a LEFT member is invited again; an address without an account is also sent an organization "
            + "invitation and finds the folder PENDING once signed up")
    @ProblemResponse(status = 400, type = "invalid-email", when = "`email` is not an e-mail address")
    @ProblemResponse(status = 403, type = "manage-permission-required", when = MANAGE)
    @ProblemResponse(status = 404, type = "shared-folder-not-found", when = NOT_FOUND)
    @ProblemResponse(status = 404, type = "user-not-found", when = "the address's account is deactivated or in "
            + "another organization, or it has none and the caller is not an admin while `aero.sp.members-may-invite` is off")
    @ProblemResponse(status = 409, type = "member-exists", when = "the user is PENDING or JOINED already")
    @RateLimited
    MemberView invite(AuthenticatedUser caller, @PathVariable SID sid, @Valid @RequestBody InviteRequest body, ClientAddress from) {
        return MemberView.of(sharing.invite(caller, sid, body.email(), body.role(), from));
    }

    @PutMapping("/shared-folders/{sid}/members/{email}")
    @Operation(operationId = "setSharedFolderRole", summary = "Change a member's role (MANAGE)")
    @ProblemResponse(status = 400, type = "invalid-email", when = "`{email}` is not an e-mail address")
    @ProblemResponse(status = 403, type = "manage-permission-required", when = MANAGE)
    @ProblemResponse(status = 404, type = "shared-folder-not-found", when = NOT_FOUND)
    @ProblemResponse(status = 404, type = "member-not-found", when = "the user is not a member of the folder")
    @ProblemResponse(status = 409, type = "last-owner", when = "the change would leave the folder without a JOINED or PENDING OWNER")
    MemberView setRole(AuthenticatedUser caller, @PathVariable SID sid, @PathVariable String email, @Valid @RequestBody RoleRequest body,
            ClientAddress from) {
        return MemberView.of(sharing.setRole(caller, sid, email, body.role(), from));
    }

    @DeleteMapping("/shared-folders/{sid}/members/{email}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(operationId = "removeSharedFolderMember", summary = "Remove a member (MANAGE, or an admin of the organization)")
    @ProblemResponse(status = 400, type = "invalid-email", when = "`{email}` is not an e-mail address")
    @ProblemResponse(status = 403, type = "manage-permission-required", when = MANAGE)
    @ProblemResponse(status = 404, type = "shared-folder-not-found", when = NOT_FOUND)
    @ProblemResponse(status = 404, type = "member-not-found", when = "the user is not a member of the folder")
    @ProblemResponse(status = 409, type = "last-owner", when = "the change would leave the folder without a JOINED or PENDING OWNER")
    void remove(AuthenticatedUser caller, @PathVariable SID sid, @PathVariable String email, ClientAddress from) {
        sharing.remove(caller, sid, email, from);
    }

    @PostMapping("/shared-folders/{sid}/join")
    @Operation(operationId = "joinSharedFolder", summary = "Accept an invitation, or come back after leaving: the caller is JOINED")
    @ProblemResponse(status = 404, type = "shared-folder-not-found", when = NOT_FOUND)
    FolderView join(AuthenticatedUser caller, @PathVariable SID sid, ClientAddress from) {
        return FolderView.of(sharing.join(caller, sid, from));
    }

    @PostMapping("/shared-folders/{sid}/leave")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(operationId = "leaveSharedFolder", summary = "Stop syncing a folder: the caller is LEFT and may join again")
    @ProblemResponse(status = 404, type = "shared-folder-not-found", when = NOT_FOUND)
    @ProblemResponse(status = 409, type = "not-joined", when = "the caller is not JOINED")
    @ProblemResponse(status = 409, type = "last-owner", when = "the caller is the folder's last JOINED or PENDING OWNER")
    void leave(AuthenticatedUser caller, @PathVariable SID sid, ClientAddress from) {
        sharing.leave(caller, sid, from);
    }

    @PostMapping("/shared-folders/{sid}/ignore")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(operationId = "ignoreSharedFolder", summary = "Decline an invitation: the caller's PENDING membership is removed")
    @ProblemResponse(status = 404, type = "shared-folder-not-found", when = NOT_FOUND)
    @ProblemResponse(status = 409, type = "not-pending", when = "the caller is not PENDING")
    @ProblemResponse(status = 409, type = "last-owner", when = "the caller is the folder's last JOINED or PENDING OWNER")
    void ignore(AuthenticatedUser caller, @PathVariable SID sid, ClientAddress from) {
        sharing.ignore(caller, sid, from);
    }

    @GetMapping("/internal/devices/{did}/stores")
    @Operation(operationId = "getDeviceStores", summary = "The stores a device may sync (its user's JOINED folders; for a team "
            + "server every folder its organization has joined): for verkehr's store-topic checks")
    @ProblemResponse(status = 404, type = "device-not-found", when = "no linked device with this id")
    SharingService.DeviceStores deviceStores(AuthenticatedService caller, @PathVariable DID did) {
        return sharing.storesOf(did);
    }

    @GetMapping("/internal/stores/{sid}/devices")
    @Operation(operationId = "getStoreDevices", summary = "The devices of a store (its active JOINED members' linked devices, and "
            + "its organization's team servers once a member has joined): for xmpp-bridge's room members; `exists` false for an "
            + "unknown or destroyed folder")
    SharingService.StoreDeviceList storeDevices(AuthenticatedService caller, @PathVariable SID sid) {
        return sharing.storeDevices(sid);
    }

    @GetMapping("/internal/stores")
    @Operation(operationId = "listStores", summary = "Every live store with its devices, by SID, a page at a time: pass "
            + "`next_after` as `after` for the next (for services' reconciliation)")
    StorePage stores(AuthenticatedService caller, @RequestParam(required = false) SID after,
            @RequestParam(defaultValue = "100") @Min(1) @Max(1000) int limit) {
        List<SharingService.StoreDeviceList> page = sharing.stores(after, limit);
        return new StorePage(page, page.size() == limit ? page.getLast().sid() : null);
    }

    record StorePage(List<SharingService.StoreDeviceList> stores, String nextAfter) {
    }

    @GetMapping("/acl")
    @Operation(operationId = "getAcl", summary = "The device's user's ACL: its epoch, and with it the JOINED folders and their JOINED "
            + "members when `since` is below the epoch (`stores` absent otherwise)")
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = SharingService.Acl.class)))
    void acl(AuthenticatedDevice caller, @RequestParam(defaultValue = "0") @Min(0) long since, HttpServletResponse response)
            throws IOException {
        // Written piece by piece from what SP keeps (AclAnswers): the answer is never copied whole.
        AclAnswers.Answer answer = sharing.acl(caller.user(), since);
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setContentLengthLong(answer.length());
        answer.writeTo(response.getOutputStream());
    }
}
