package dev.aero.sp.account;

import java.time.Instant;

import dev.aero.sp.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A signed-in session, known by the hash of its bearer token. */
@Entity
@Table(name = "sessions")
class Session extends AssignedIdEntity<String> {

    @Id
    @Column(name = "token_hash")
    private String tokenHash;

    @Column(name = "user_id", nullable = false)
    private String userId;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "expires_at", nullable = false)
    private Instant expiresAt;

    @Column(name = "client_address")
    private String clientAddress;

    protected Session() {
    }

    Session(String tokenHash, String userId, Instant createdAt, Instant expiresAt, String clientAddress) {
        this.tokenHash = tokenHash;
        this.userId = userId;
        this.createdAt = createdAt;
        this.expiresAt = expiresAt;
        this.clientAddress = clientAddress;
    }

    String userId() {
        return userId;
    }

    Instant expiresAt() {
        return expiresAt;
    }

    @Override
    public String getId() {
        return tokenHash;
    }
}
