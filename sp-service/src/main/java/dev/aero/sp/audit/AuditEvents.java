package dev.aero.sp.audit;

import dev.aero.common.audit.AuditEventType;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;

/** Insert and read only: the audit log has no update or delete path. */
interface AuditEvents extends Repository<AuditEvent, Long> {

    AuditEvent save(AuditEvent event);

    @Query("select e from AuditEvent e where e.id < ?1 order by e.id desc")
    List<AuditEvent> before(long id, Pageable page);

    @Query("select e from AuditEvent e order by e.id desc")
    List<AuditEvent> newest(Pageable page);

    /** Newest first below {@code before} (null: from the newest), of these types, by {@code actor} and in [since, until) where given. */
    @Query("select e from AuditEvent e where (?1 is null or e.id < ?1) and e.type in ?2 and (?3 is null or e.actor = ?3)"
            + " and (?4 is null or e.occurredAt >= ?4) and (?5 is null or e.occurredAt < ?5) order by e.id desc")
    List<AuditEvent> filtered(Long before, Collection<AuditEventType> types, String actor, Instant since, Instant until, Pageable page);
}
