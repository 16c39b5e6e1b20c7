package dev.aero.sp.organization;

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
import dev.aero.sp.web.ClientAddress;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

@RestController
@RequestMapping("/api/v1/organizations/me")
@Tag(name = "Organization")
class OrganizationController {

    private final MembershipService memberships;

    OrganizationController(MembershipService memberships) {
        this.memberships = memberships;
    }

    @GetMapping
    @Operation(summary = "The caller's organization")
    OrganizationView organization(AuthenticatedUser caller) {
        Organization org = memberships.organization(caller);
        return new OrganizationView(Integer.toHexString(org.id()), org.name(), org.createdAt());
    }

    @GetMapping("/members")
    @Operation(summary = "Members of the organization (admins)")
    MemberList members(AuthenticatedUser caller) {
        return new MemberList(memberships.members(caller).stream().map(MemberView::of).toList());
    }

    @PostMapping("/invitations")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Invite an e-mail address; mails an invitation code (admins)")
    InvitationView invite(AuthenticatedUser caller, @Valid @RequestBody InviteRequest body, ClientAddress from) {
        MembershipService.IssuedInvitation issued = memberships.invite(caller, body.email(), from);
        return new InvitationView(issued.email().value(), issued.code(), issued.expiresAt());
    }

    @PutMapping("/members/{email}/role")
    @Operation(summary = "Change a member's role (admins)")
    MemberView setRole(AuthenticatedUser caller, @PathVariable String email, @Valid @RequestBody RoleRequest body,
            ClientAddress from) {
        return MemberView.of(memberships.setRole(caller, email, body.role(), from));
    }

    @PostMapping("/members/{email}/deactivate")
    @Operation(summary = "Deactivate a member: no sign-in, sessions ended, devices unlinked (admins)")
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
