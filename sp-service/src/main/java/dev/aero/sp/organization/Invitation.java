package dev.aero.sp.organization;

import java.time.Instant;

import dev.aero.sp.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** An invitation to join the organization, bound to one e-mail address; single use. */
@Entity
@Table(name = "invitations")
class Invitation extends AssignedIdEntity<String> {

    @Id
    @Column(name = "code_hash")
    private String codeHash;

    @Column(name = "organization_id", nullable = false)
    private int organizationId;

    @Column(nullable = false)
    private String email;

    @Column(name = "invited_by", nullable = false)
    private String invitedBy;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "expires_at", nullable = false)
    private Instant expiresAt;

    @Column(name = "accepted_at")
    private Instant acceptedAt;

    protected Invitation() {
    }

    Invitation(String codeHash, int organizationId, String email, String invitedBy, Instant createdAt, Instant expiresAt) {
        this.codeHash = codeHash;
        this.organizationId = organizationId;
        this.email = email;
        this.invitedBy = invitedBy;
        this.createdAt = createdAt;
        this.expiresAt = expiresAt;
    }

    int organizationId() {
        return organizationId;
    }

    String email() {
        return email;
    }

    boolean usable(Instant now) {
        return acceptedAt == null && expiresAt.isAfter(now);
    }

    void accept(Instant now) {
        acceptedAt = now;
    }

    @Override
    public String getId() {
        return codeHash;
    }
}
