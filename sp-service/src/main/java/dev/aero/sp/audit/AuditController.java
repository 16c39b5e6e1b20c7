package dev.aero.sp.audit;

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
    @Operation(operationId = "listAuditEvents", summary = "Security events, newest first (admins)")
    @AdminOnly
    AuditPage events(AuthenticatedUser caller, @RequestParam(defaultValue = "50") @Min(1) @Max(500) int limit,
            @RequestParam(required = false) @Min(1) Long before) {
        caller.requireAdmin();
        List<AuditEvent> page = log.page(before, limit);
        List<Entry> entries = page.stream().map(AuditController::entry).toList();
        Long next = page.size() == limit ? page.get(page.size() - 1).id() : null;
        return new AuditPage(entries, next);
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
