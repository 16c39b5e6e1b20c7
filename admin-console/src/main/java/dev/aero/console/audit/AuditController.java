package dev.aero.console.audit;

import java.io.IOException;
import java.io.Writer;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

import dev.aero.client.sp.AuditEvent;
import dev.aero.client.sp.AuditPage;
import dev.aero.client.sp.SpClient;
import dev.aero.common.audit.AuditEventType;
import dev.aero.console.web.CurrentAdmin;
import dev.aero.console.web.Times;
import tools.jackson.databind.json.JsonMapper;

/** The audit log, newest first, filtered by type, actor and time range; the same view as CSV. */
@Controller
public class AuditController {

    static final int PAGE = 50;
    /** An export stops here: a filter that wide is better narrowed first. */
    static final int EXPORT_MAX = 100_000;
    private static final int EXPORT_PAGE = 500;

    private final CurrentAdmin current;
    private final Times times;
    private final JsonMapper json = JsonMapper.builder().build();

    public AuditController(CurrentAdmin current, Times times) {
        this.current = current;
        this.times = times;
    }

    @GetMapping("/audit")
    String audit(@RequestParam(name = "type", required = false) List<String> types, @RequestParam(required = false) String actor,
            @RequestParam(required = false) String since, @RequestParam(required = false) String until,
            @RequestParam(required = false) String before, Model model) {
        AuditFilter filter = new AuditFilter(types, actor, since, until, before, times);
        model.addAttribute("nav", "audit");
        model.addAttribute("filter", filter);
        model.addAttribute("types", Arrays.stream(AuditEventType.values()).map(Enum::name).toList());
        if (filter.errors().isEmpty()) {
            AuditPage page = page(current.sp(), filter, PAGE, filter.before());
            model.addAttribute("events", page.events());
            model.addAttribute("next", page.nextBefore());
        } else {
            model.addAttribute("events", List.of());
        }
        return "audit";
    }

    @GetMapping("/audit.csv")
    void export(@RequestParam(name = "type", required = false) List<String> types, @RequestParam(required = false) String actor,
            @RequestParam(required = false) String since, @RequestParam(required = false) String until, HttpServletResponse response)
            throws IOException {
        AuditFilter filter = new AuditFilter(types, actor, since, until, null, times);
        if (!filter.errors().isEmpty()) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST, String.join(" ", filter.errors().values()));
            return;
        }
        SpClient sp = current.sp();
        // The first page before anything is written: a refusal still becomes an error page.
        AuditPage page = page(sp, filter, EXPORT_PAGE, null);
        response.setContentType("text/csv;charset=UTF-8");
        response.setHeader("Content-Disposition", "attachment; filename=\"audit-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                .format(Instant.now().atZone(times.zone())) + ".csv\"");
        Writer out = response.getWriter();
        AuditCsv.header(out);
        int written = 0;
        while (true) {
            for (AuditEvent e : page.events()) {
                if (written++ >= EXPORT_MAX) {
                    out.flush();
                    return;
                }
                AuditCsv.row(out, e, json.writeValueAsString(e.details() == null ? java.util.Map.of() : e.details()));
            }
            if (page.nextBefore() == null) {
                break;
            }
            page = page(sp, filter, EXPORT_PAGE, page.nextBefore());
        }
        out.flush();
    }

    private static AuditPage page(SpClient sp, AuditFilter filter, int limit, Long before) {
        return sp.auditEvents(limit, before, filter.types(), filter.actor().isEmpty() ? null : filter.actor(), filter.sinceInstant(),
                filter.untilInstant());
    }
}
