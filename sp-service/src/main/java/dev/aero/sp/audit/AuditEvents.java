package dev.aero.sp.audit;

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
}
