package dev.aero.sp.organization;

import dev.aero.sp.account.AdminOnly;
import dev.aero.common.web.apidoc.ProblemResponse;
import java.time.Instant;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import dev.aero.sp.account.AuthenticatedUser;
import dev.aero.sp.account.Role;
import dev.aero.sp.account.UserAccount;
import dev.aero.sp.ratelimit.RateLimited;
import dev.aero.sp.web.ClientAddress;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

@RestController
@RequestMapping("/api/v1/organizations/me")
@Tag(name = "Organization", description = "The caller's organization, its members, invitations and roles")
class OrganizationController {

    private final MembershipService memberships;

    OrganizationController(MembershipService memberships) {
        this.memberships = memberships;
    }

    @GetMapping
    @Operation(operationId = "getOrganization", summary = "The caller's organization")
    OrganizationView organization(AuthenticatedUser caller) {
        Organization org = memberships.organization(caller);
        return new OrganizationView(Integer.toHexString(org.id()), org.name(), org.createdAt());
    }

    @GetMapping("/members")
    @Operation(operationId = "listMembers", summary = "Members of the organization (admins)")
    @AdminOnly
    MemberList members(AuthenticatedUser caller) {
        return new MemberList(memberships.members(caller).stream().map(MemberView::of).toList());
    }

    @PostMapping("/invitations")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(operationId = "inviteMember", summary = "Invite an e-mail address; mails an invitation code (admins)")
    @AdminOnly
    @ProblemResponse(status = 400, type = "invalid-email", when = "`email` is not an e-mail address")
    @ProblemResponse(status = 409, type = "already-member", when = "the e-mail address has an account")
    @RateLimited
    InvitationView invite(AuthenticatedUser caller, @Valid @RequestBody InviteRequest body, ClientAddress from) {
        InvitationIssuer.IssuedInvitation issued = memberships.invite(caller, body.email(), from);
        return new InvitationView(issued.email().value(), issued.code(), issued.expiresAt());
    }

    @PutMapping("/members/{email}/role")
    @Operation(operationId = "setMemberRole", summary = "Change a member's role (admins)")
    @AdminOnly
    @ProblemResponse(status = 400, type = "invalid-email", when = "`{email}` is not an e-mail address")
    @ProblemResponse(status = 404, type = "member-not-found", when = "no member with this e-mail address in the organization")
    @ProblemResponse(status = 409, type = "last-admin", when = "the change would leave the organization without an active admin")
    MemberView setRole(AuthenticatedUser caller, @PathVariable String email, @Valid @RequestBody RoleRequest body,
            ClientAddress from) {
        return MemberView.of(memberships.setRole(caller, email, body.role(), from));
    }

    @PostMapping("/members/{email}/deactivate")
    @Operation(operationId = "deactivateMember", summary = "Deactivate a member: no sign-in, sessions ended, devices unlinked (admins)")
    @AdminOnly
    @ProblemResponse(status = 400, type = "invalid-email", when = "`{email}` is not an e-mail address")
    @ProblemResponse(status = 404, type = "member-not-found", when = "no member with this e-mail address in the organization")
    @ProblemResponse(status = 409, type = "last-admin", when = "the change would leave the organization without an active admin")
    MemberView deactivate(AuthenticatedUser caller, @PathVariable String email, @Valid @RequestBody DeactivateRequest body,
            ClientAddress from) {
        return MemberView.of(memberships.deactivate(caller, email, Boolean.TRUE.equals(body.eraseDevices()), from));
    }

    record OrganizationView(String organizationId, String name, Instant createdAt) {
    }

    record MemberList(List<MemberView> members) {
    }

    record MemberView(String userId, String firstName, String lastName, String role, boolean active) {
        static MemberView of(UserAccount u) {
            return new MemberView(u.id().value(), u.firstName(), u.lastName(), u.role().name(), u.active());
        }
    }

    record InviteRequest(@NotBlank @Size(max = 254) String email) {
    }

    record InvitationView(String email, String invitationCode, Instant expiresAt) {
    }

    record RoleRequest(@NotNull Role role) {
    }

    record DeactivateRequest(@NotNull Boolean eraseDevices) {
    }
}
