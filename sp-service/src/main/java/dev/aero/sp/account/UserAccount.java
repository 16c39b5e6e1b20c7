package dev.aero.sp.account;

import java.time.Instant;

import dev.aero.common.id.OrgID;
import dev.aero.common.id.UserID;
import dev.aero.sp.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A user: a person signing in with e-mail and password, or an organization's team server. */
@Entity
@Table(name = "users")
public class UserAccount extends AssignedIdEntity<String> {

    @Id
    private String id;

    @Column(name = "organization_id", nullable = false)
    private int organizationId;

    @Column(name = "first_name", nullable = false)
    private String firstName;

    @Column(name = "last_name", nullable = false)
    private String lastName;

    /** PHC-formatted Argon2id hash; null for team-server users, who never sign in. */
    @Column(name = "password_hash")
    private String passwordHash;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 16)
    private Role role;

    @Column(nullable = false)
    private boolean active;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "deactivated_at")
    private Instant deactivatedAt;

    protected UserAccount() {
    }

    public UserAccount(UserID id, OrgID organization, String firstName, String lastName, String passwordHash, Role role,
            Instant createdAt) {
        this.id = id.value();
        this.organizationId = organization.value();
        this.firstName = firstName;
        this.lastName = lastName;
        this.passwordHash = passwordHash;
        this.role = role;
        this.active = true;
        this.createdAt = createdAt;
    }

    public UserID id() {
        return UserID.of(id);
    }

    public OrgID organization() {
        return new OrgID(organizationId);
    }

    public String firstName() {
        return firstName;
    }

    public String lastName() {
        return lastName;
    }

    public String passwordHash() {
        return passwordHash;
    }

    public Role role() {
        return role;
    }

    public boolean active() {
        return active;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    public void rename(String first, String last) {
        if (first != null) {
            this.firstName = first;
        }
        if (last != null) {
            this.lastName = last;
        }
    }

    public void setPasswordHash(String hash) {
        this.passwordHash = hash;
    }

    public void setRole(Role role) {
        this.role = role;
    }

    public void deactivate(Instant at) {
        this.active = false;
        this.deactivatedAt = at;
    }

    @Override
    public String getId() {
        return id;
    }
}
