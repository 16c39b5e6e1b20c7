package dev.aero.sp.organization;

import java.time.Clock;
import java.time.Instant;

import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import dev.aero.common.id.OrgID;
import dev.aero.common.id.UserID;
import dev.aero.sp.SpProperties;
import dev.aero.sp.account.SecretTokens;
import dev.aero.common.audit.AuditEventType;
import dev.aero.sp.audit.AuditLog;
import dev.aero.sp.mail.Mailer;
import dev.aero.sp.web.ClientAddress;

/**
 * Issues an organization invitation: a single-use code bound to one address, stored hashed,
 * audited and mailed (after the commit). Admins issue them directly; folder sharing issues one
 * for an address that has no account yet. Callers check who may invite.
 */
@Component
public class InvitationIssuer {

    private final Invitations invitations;
    private final Organizations organizations;
    private final Mailer mailer;
    private final AuditLog audit;
    private final SpProperties properties;
    private final Clock clock;

    InvitationIssuer(Invitations invitations, Organizations organizations, Mailer mailer, AuditLog audit,
            SpProperties properties, Clock clock) {
        this.invitations = invitations;
        this.organizations = organizations;
        this.mailer = mailer;
        this.audit = audit;
        this.properties = properties;
        this.clock = clock;
    }

    public record IssuedInvitation(UserID email, String code, Instant expiresAt) {
    }

    /** Runs inside the caller's transaction: the invitation exists only if the caller's change commits. */
    @Transactional(propagation = Propagation.MANDATORY)
    public IssuedInvitation issue(UserID inviter, OrgID organization, UserID invitee, ClientAddress from) {
        String code = SecretTokens.newToken();
        Instant now = clock.instant();
        Instant expires = now.plus(properties.invitationLifetime());
        invitations.save(new Invitation(SecretTokens.hash(code), organization.value(), invitee.value(), inviter.value(), now, expires));
        audit.record(AuditEventType.MEMBER_INVITED, inviter, invitee, from);
        String orgName = organizations.findById(organization.value()).map(Organization::name).orElse("Aero");
        mailer.send("invitation", invitee.value(), "You are invited to " + orgName,
                inviter.value() + " invites you to join " + orgName + ".\n\n"
                        + "Sign up at " + properties.publicUrl() + " with this address and the invitation code:\n\n" + code
                        + "\n\nThe code is valid until " + expires + ".\n");
        return new IssuedInvitation(invitee, code, expires);
    }
}
