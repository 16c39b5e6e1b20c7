package dev.aero.sp.sharing;

import java.net.URI;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import dev.aero.common.id.UserID;
import dev.aero.common.web.apidoc.ProblemResponse;
import dev.aero.sp.account.AdminOnly;
import dev.aero.sp.account.AuthenticatedUser;
import dev.aero.sp.web.ClientAddress;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

@RestController
@RequestMapping("/api/v1/groups")
@Tag(name = "Groups", description = "The organization's groups of users, which folders can be shared with")
class GroupController {

    private static final String NOT_FOUND = "no such group in the caller's organization";

    private final GroupService groups;

    GroupController(GroupService groups) {
        this.groups = groups;
    }

    record NameRequest(@NotNull @Size(max = 1024) String name) { }

    record MemberRequest(@NotNull @Size(max = 254) String email) { }

    record GroupView(long groupId, String name, List<String> members) {
        static GroupView of(GroupService.GroupDetails d) {
            return new GroupView(d.id(), d.name(), d.members().stream().map(UserID::value).toList());
        }
    }

    record GroupSummary(long groupId, String name) { }

    record GroupList(List<GroupSummary> groups) { }

    @PostMapping
    @Operation(operationId = "createGroup", summary = "Create a group (admins)",
            responses = @ApiResponse(responseCode = "201", description = "The group; `Location` is the group"))
    @AdminOnly
    @ProblemResponse(status = 400, type = "folder-name-invalid", when = "the name is not 1-255 characters (trimmed) without control characters")
    ResponseEntity<GroupView> create(AuthenticatedUser caller, @Valid @RequestBody NameRequest body, ClientAddress from) {
        GroupView made = GroupView.of(groups.create(caller, body.name(), from));
        return ResponseEntity.created(URI.create("/api/v1/groups/" + made.groupId())).body(made);
    }

    @GetMapping
    @Operation(operationId = "listGroups", summary = "The organization's groups")
    GroupList list(AuthenticatedUser caller) {
        return new GroupList(groups.list(caller).stream().map(g -> new GroupSummary(g.id(), g.name())).toList());
    }

    @GetMapping("/{groupId}")
    @Operation(operationId = "getGroup", summary = "One group with its members")
    @ProblemResponse(status = 404, type = "group-not-found", when = NOT_FOUND)
    GroupView group(AuthenticatedUser caller, @PathVariable long groupId) {
        return GroupView.of(groups.group(caller, groupId));
    }

    @PatchMapping("/{groupId}")
    @Operation(operationId = "renameGroup", summary = "Rename a group; folders shared with it show the new name (admins)")
    @AdminOnly
    @ProblemResponse(status = 400, type = "folder-name-invalid", when = "the name is not 1-255 characters (trimmed) without control characters")
    @ProblemResponse(status = 404, type = "group-not-found", when = NOT_FOUND)
    GroupView rename(AuthenticatedUser caller, @PathVariable long groupId, @Valid @RequestBody NameRequest body, ClientAddress from) {
        return GroupView.of(groups.rename(caller, groupId, body.name(), from));
    }

    @DeleteMapping("/{groupId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(operationId = "deleteGroup", summary = "Delete a group: folders stop being shared with it (admins)")
    @AdminOnly
    @ProblemResponse(status = 404, type = "group-not-found", when = NOT_FOUND)
    void delete(AuthenticatedUser caller, @PathVariable long groupId, ClientAddress from) {
        groups.delete(caller, groupId, from);
    }

    @PostMapping("/{groupId}/members")
    @Operation(operationId = "addGroupMember", summary = "Add a member of the organization to a group: it gets the group's "
            + "folders, PENDING (admins)")
    @AdminOnly
    @ProblemResponse(status = 400, type = "invalid-email", when = "`email` is not an e-mail address")
    @ProblemResponse(status = 404, type = "group-not-found", when = NOT_FOUND)
    @ProblemResponse(status = 404, type = "user-not-found", when = "no active account with this address in the organization")
    @ProblemResponse(status = 409, type = "group-member-exists", when = "the user is in the group already")
    GroupView addMember(AuthenticatedUser caller, @PathVariable long groupId, @Valid @RequestBody MemberRequest body, ClientAddress from) {
        return GroupView.of(groups.addMember(caller, groupId, body.email(), from));
    }

    @DeleteMapping("/{groupId}/members/{email}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(operationId = "removeGroupMember", summary = "Remove a user from a group: it loses only what the group gave it (admins)")
    @AdminOnly
    @ProblemResponse(status = 400, type = "invalid-email", when = "`{email}` is not an e-mail address")
    @ProblemResponse(status = 404, type = "group-not-found", when = NOT_FOUND)
    @ProblemResponse(status = 404, type = "member-not-found", when = "the user is not in the group")
    void removeMember(AuthenticatedUser caller, @PathVariable long groupId, @PathVariable String email, ClientAddress from) {
        groups.removeMember(caller, groupId, email, from);
    }
}
