package dev.aero.sp.device;

import java.time.Instant;

import dev.aero.common.id.DID;
import dev.aero.common.id.UserID;
import dev.aero.sp.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A registered device (desktop client or team server). An unlinked device id is never reused. */
@Entity
@Table(name = "devices")
public class Device extends AssignedIdEntity<String> {

    @Id
    private String id;

    @Column(name = "owner_id", nullable = false)
    private String ownerId;

    @Column(nullable = false)
    private String name;

    @Column(name = "os_family", nullable = false)
    private String osFamily;

    @Column(name = "os_name", nullable = false)
    private String osName;

    @Column(name = "registered_at", nullable = false)
    private Instant registeredAt;

    @Column(name = "unlinked_at")
    private Instant unlinkedAt;

    protected Device() {
    }

    Device(DID id, UserID owner, String name, String osFamily, String osName, Instant registeredAt) {
        this.id = id.hex();
        this.ownerId = owner.value();
        this.name = name;
        this.osFamily = osFamily;
        this.osName = osName;
        this.registeredAt = registeredAt;
    }

    public DID id() {
        return DID.of(id);
    }

    public UserID owner() {
        return UserID.of(ownerId);
    }

    public String name() {
        return name;
    }

    public String osFamily() {
        return osFamily;
    }

    public String osName() {
        return osName;
    }

    public Instant registeredAt() {
        return registeredAt;
    }

    public boolean unlinked() {
        return unlinkedAt != null;
    }

    void rename(String newName) {
        this.name = newName;
    }

    void unlink(Instant at) {
        if (unlinkedAt == null) {
            unlinkedAt = at;
        }
    }

    @Override
    public String getId() {
        return id;
    }
}
