package dev.aero.sp.organization;

import java.time.Instant;

import dev.aero.sp.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The deployment's organization. A deployment has one; its first user creates it. */
@Entity
@Table(name = "organizations")
public class Organization extends AssignedIdEntity<Integer> {

    /** The id of the deployment's organization. */
    static final int DEPLOYMENT_ORGANIZATION = 1;

    @Id
    private Integer id;

    @Column(nullable = false)
    private String name;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected Organization() {
    }

    Organization(int id, String name, Instant createdAt) {
        this.id = id;
        this.name = name;
        this.createdAt = createdAt;
    }

    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    public Instant createdAt() {
        return createdAt;
    }

    @Override
    public Integer getId() {
        return id;
    }
}
