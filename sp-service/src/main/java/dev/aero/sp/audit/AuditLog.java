package dev.aero.sp.audit;

import dev.aero.common.audit.AuditEventType;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import org.springframework.data.domain.PageRequest;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import tools.jackson.databind.json.JsonMapper;

/**
 * Records security events. An event is written in the caller's transaction when there is one,
 * so it exists exactly when the action it describes was committed.
 */
@Service
public class AuditLog {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final AuditEvents events;
    private final Clock clock;

    AuditLog(AuditEvents events, Clock clock) {
        this.events = events;
        this.clock = clock;
    }

    @Transactional
    public void record(AuditEventType type, Object actor, Object target, Object clientAddress, Map<String, ?> details) {
        String json = details == null || details.isEmpty() ? null : JSON.writeValueAsString(details);
        events.save(new AuditEvent(type, text(actor), text(target), text(clientAddress), clock.instant(), json));
    }

    public void record(AuditEventType type, Object actor, Object target, Object clientAddress) {
        record(type, actor, target, clientAddress, Map.of());
    }

    /** Newest first; {@code before} is the id to continue below (exclusive), or null for the newest. */
    @Transactional(readOnly = true)
    public List<AuditEvent> page(Long before, int limit) {
        PageRequest page = PageRequest.of(0, limit);
        return before == null ? events.newest(page) : events.before(before, page);
    }

    /** What an audit page is filtered by; empty types, null actor, since or until: not filtered by it. */
    public record Filter(java.util.Set<AuditEventType> types, String actor, java.time.Instant since, java.time.Instant until) {
        public boolean none() {
            return types.isEmpty() && actor == null && since == null && until == null;
        }
    }

    /** Newest first, filtered; {@code before} as for {@link #page(Long, int)}. */
    @Transactional(readOnly = true)
    public List<AuditEvent> page(Long before, int limit, Filter filter) {
        if (filter.none()) {
            return page(before, limit);
        }
        java.util.Set<AuditEventType> types = filter.types().isEmpty() ? java.util.EnumSet.allOf(AuditEventType.class) : filter.types();
        return events.filtered(before, types, filter.actor(), filter.since(), filter.until(), PageRequest.of(0, limit));
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
