package dev.aero.sp.audit;

import dev.aero.common.audit.AuditEventType;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One row of the append-only audit log; there are no setters. */
@Entity
@Table(name = "audit_events")
public class AuditEvent {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 40)
    private AuditEventType type;

    private String actor;

    private String target;

    @Column(name = "client_address")
    private String clientAddress;

    @Column(name = "occurred_at", nullable = false)
    private Instant occurredAt;

    @Column(columnDefinition = "text")
    private String details;

    protected AuditEvent() {
    }

    AuditEvent(AuditEventType type, String actor, String target, String clientAddress, Instant occurredAt, String details) {
        this.type = type;
        this.actor = actor;
        this.target = target;
        this.clientAddress = clientAddress;
        this.occurredAt = occurredAt;
        this.details = details;
    }

    public Long id() {
        return id;
    }

    public AuditEventType type() {
        return type;
    }

    public String actor() {
        return actor;
    }

    public String target() {
        return target;
    }

    public String clientAddress() {
        return clientAddress;
    }

    public Instant occurredAt() {
        return occurredAt;
    }

    public String details() {
        return details;
    }
}
