package dev.aero.devman.api;

import io.swagger.v3.oas.annotations.tags.Tag;
import io.swagger.v3.oas.annotations.Operation;
import dev.aero.common.web.apidoc.ProblemResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.micrometer.core.instrument.MeterRegistry;

import dev.aero.common.id.DID;
import dev.aero.common.id.InvalidIdentifierException;
import dev.aero.common.web.ApiProblemException;
import dev.aero.devman.DevmanProperties;
import dev.aero.devman.presence.PresenceStore;

/**
 * Presence from other transports (the XMPP bridge's room joins and leaves), for services:
 * {@code POST /v1/presence} with up to {@code max-batch} events
 * {@code {did, state: online|offline, session, transport?, time?, address?}}. A session is one
 * connection of that transport (e.g. an XMPP full JID); its {@code offline} is final, exactly as
 * a verkehr close is. The whole batch is checked before any of it is applied.
 */
@RestController
@Tag(name = "Presence", description = "Device presence, for platform services")
class PresenceIngestController {

    private static final Pattern TRANSPORT = Pattern.compile("[a-z][a-z0-9-]{0,15}");

    private final PresenceStore store;
    private final Clock clock;
    private final MeterRegistry meters;
    private final BatchLimit limit;
    private final int maxSession;

    PresenceIngestController(PresenceStore store, Clock clock, MeterRegistry meters, DevmanProperties settings) {
        this.store = store;
        this.clock = clock;
        this.meters = meters;
        this.limit = new BatchLimit(settings.maxBatch());
        this.maxSession = settings.maxSessionLength();
    }

    record PresenceEvent(String did, String state, String session, String transport, Instant time, String address) { }

    record PresenceBatch(List<PresenceEvent> events) { }

    record Applied(int applied, int stale) { }

    private record Checked(DID did, boolean online, String connection, String transport, Instant time, String address) { }

    @PostMapping("/v1/presence")
    @Operation(operationId = "reportPresence", summary = "Presence from another transport (the XMPP bridge's room joins and leaves): "
            + "a batch of online/offline events, all checked before any is applied")
    @ProblemResponse(status = 400, type = "events-missing", when = "the body has no `events` list")
    @ProblemResponse(status = 400, type = "batch-too-large", when = "more entries than `aero.devman.max-batch` (1,000)")
    @ProblemResponse(status = 400, type = "invalid-identifier", when = "an event's `did` is not a device id; `index` says which")
    @ProblemResponse(status = 400, type = "event-invalid", when = "an event breaks a rule (state, transport, session, time, address); `index` says which")
    @ResponseStatus(HttpStatus.ACCEPTED)
    Applied ingest(@RequestBody PresenceBatch batch) {
        List<PresenceEvent> events = limit.check(batch == null ? null : batch.events(), "events", "[...]");
        Instant now = clock.instant();
        List<Checked> checked = new java.util.ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            checked.add(check(i, events.get(i), now));
        }
        int applied = 0;
        int stale = 0;
        for (Checked e : checked) {
            PresenceStore.Outcome outcome = e.online()
                    ? store.connected(e.did(), e.connection(), e.transport(), e.time(), e.address())
                    : store.disconnected(e.did(), e.connection(), e.time(), e.address());
            if (outcome == PresenceStore.Outcome.STALE) {
                stale++;
            } else {
                applied++;
            }
            meters.counter("aero.devman.events.applied", "source", e.transport(),
                    "result", (e.online() ? "login" : "close") + (outcome == PresenceStore.Outcome.STALE ? "-stale" : "")).increment();
        }
        return new Applied(applied, stale);
    }

    private Checked check(int i, PresenceEvent e, Instant now) {
        if (e == null) {
            throw invalid(i, "event-invalid", "is null");
        }
        DID did;
        try {
            did = DID.of(e.did());
        } catch (InvalidIdentifierException | NullPointerException ex) {
            throw invalid(i, "invalid-identifier", "did is not a device id (32 lower-case hex characters)");
        }
        boolean online = "online".equals(e.state());
        if (!online && !"offline".equals(e.state())) {
            throw invalid(i, "event-invalid", "state is online or offline");
        }
        String transport = e.transport() == null ? "xmpp" : e.transport();
        if (!TRANSPORT.matcher(transport).matches() || "ssmp".equals(transport)) {
            throw invalid(i, "event-invalid", "transport is 1-16 of a-z 0-9 - (ssmp is verkehr's own)");
        }
        if (e.session() == null || e.session().isEmpty() || e.session().length() > maxSession) {
            throw invalid(i, "event-invalid", "session is 1-" + maxSession + " characters");
        }
        Instant time = e.time() == null ? now : e.time();
        if (time.isAfter(now.plusSeconds(300))) {
            throw invalid(i, "event-invalid", "time is more than 5 minutes in the future");
        }
        String address = e.address();
        if (address != null && (address.length() > 64 || !address.matches("[0-9a-fA-F.:]+"))) {
            throw invalid(i, "event-invalid", "address is an IP address");
        }
        return new Checked(did, online, transport + ":" + e.session(), transport, time, address);
    }

    private static ApiProblemException invalid(int index, String slug, String what) {
        return new ApiProblemException(HttpStatus.BAD_REQUEST, slug, "events[" + index + "]: " + what + ".", Map.of("index", index));
    }
}
