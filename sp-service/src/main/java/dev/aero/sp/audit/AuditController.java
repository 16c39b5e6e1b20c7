package dev.aero.sp.audit;

import dev.aero.common.audit.AuditEventType;

import dev.aero.sp.account.AdminOnly;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.aero.sp.account.AuthenticatedUser;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

@RestController
@RequestMapping("/api/v1/audit-events")
@Validated
@Tag(name = "Audit log", description = "Security events of the organization (admins)")
class AuditController {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final AuditLog log;

    AuditController(AuditLog log) {
        this.log = log;
    }

    @GetMapping
    @Operation(operationId = "listAuditEvents", summary = "Security events, newest first (admins); filtered by event `type` "
            + "(repeatable), `actor` (who acted, e.g. an e-mail address) and time (`since` inclusive, `until` exclusive, RFC 3339)")
    @AdminOnly
    @dev.aero.common.web.apidoc.ProblemResponse(status = 400, type = "audit-filter-invalid",
            when = "an unknown event type, an actor longer than 254 characters, or `since` not before `until`")
    AuditPage events(AuthenticatedUser caller, @RequestParam(defaultValue = "50") @Min(1) @Max(500) int limit,
            @RequestParam(required = false) @Min(1) Long before, @RequestParam(required = false) List<String> type,
            @RequestParam(required = false) String actor, @RequestParam(required = false) Instant since,
            @RequestParam(required = false) Instant until) {
        caller.requireAdmin();
        List<AuditEvent> page = log.page(before, limit, filter(type, actor, since, until));
        List<Entry> entries = page.stream().map(AuditController::entry).toList();
        Long next = page.size() == limit ? page.get(page.size() - 1).id() : null;
        return new AuditPage(entries, next);
    }

    private static AuditLog.Filter filter(List<String> types, String actor, Instant since, Instant until) {
        java.util.Set<AuditEventType> wanted = java.util.EnumSet.noneOf(AuditEventType.class);
        for (String t : types == null ? List.<String>of() : types) {
            try {
                wanted.add(AuditEventType.valueOf(t.strip().toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw invalid("No event type '" + shown(t) + "'; the types are " + java.util.Arrays.toString(AuditEventType.values()) + ".");
            }
        }
        String who = actor == null || actor.isBlank() ? null : actor.strip().toLowerCase(java.util.Locale.ROOT);
        if (who != null && who.length() > 254) {
            throw invalid("An actor is at most 254 characters.");
        }
        if (since != null && until != null && !since.isBefore(until)) {
            throw invalid("since must be before until.");
        }
        return new AuditLog.Filter(wanted, who, since, until);
    }

    /** Hostile input as shown back: printable characters only, at most 40 of them. */
    private static String shown(String text) {
        String printable = text.replaceAll("\\p{Cntrl}", "?");
        return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
    }

    private static dev.aero.common.web.ApiProblemException invalid(String detail) {
        return new dev.aero.common.web.ApiProblemException(org.springframework.http.HttpStatus.BAD_REQUEST, "audit-filter-invalid", detail);
    }

    private static Entry entry(AuditEvent e) {
        Map<String, Object> details = e.details() == null ? Map.of() : JSON.readValue(e.details(), MAP);
        return new Entry(e.id(), e.type().name(), e.actor(), e.target(), e.clientAddress(), e.occurredAt(), details);
    }

    record AuditPage(List<Entry> events, Long nextBefore) {
    }

    record Entry(long id, String type, String actor, String target, String clientAddress, Instant occurredAt,
            Map<String, Object> details) {
    }
}
