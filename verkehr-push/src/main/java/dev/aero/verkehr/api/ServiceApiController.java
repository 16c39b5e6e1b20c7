package dev.aero.verkehr.api;

import io.swagger.v3.oas.annotations.tags.Tag;
import io.swagger.v3.oas.annotations.Operation;
import dev.aero.common.web.apidoc.ProblemResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.aero.common.ssmp.SsmpSyntax;
import dev.aero.common.web.ApiProblemException;
import dev.aero.common.web.ServiceAuthInterceptor;
import dev.aero.verkehr.VerkehrProperties;
import dev.aero.verkehr.cluster.Cluster;
import dev.aero.verkehr.cluster.ConnectionRecord;
import dev.aero.verkehr.delivery.Hub;
import dev.aero.verkehr.connection.Session;
import dev.aero.verkehr.connection.SsmpServer;
import dev.aero.common.tls.RevocationFollower;

/**
 * The HTTP API for platform services (port 25234, {@code Aero-Service-Shared-Secret}). Messages
 * published here reach SSMP connections on every node exactly as an MCAST or UCAST from the
 * calling service's name would.
 */
@RestController
@RequestMapping("/v1")
@Tag(name = "Service API", description = "Publishing to SSMP connections and reading verkehr's state (platform services)")
class ServiceApiController {

    private final Hub hub;
    private final SsmpServer server;
    private final RevocationFollower revocations;
    private final VerkehrProperties settings;

    ServiceApiController(Hub hub, SsmpServer server, RevocationFollower revocations, VerkehrProperties settings) {
        this.hub = hub;
        this.server = server;
        this.revocations = revocations;
        this.settings = settings;
    }

    /** A message body: {@code payload} (UTF-8 text) or {@code payload_base64} (any bytes), 1-1024 bytes. */
    record Message(String topic, String id, String payload, String payloadBase64) {

        byte[] wirePayload() {
            if ((payload == null) == (payloadBase64 == null)) {
                throw invalid("payload-invalid", "Send exactly one of payload (text) and payload_base64.");
            }
            byte[] raw;
            if (payload != null) {
                raw = payload.getBytes(StandardCharsets.UTF_8);
            } else {
                try {
                    raw = Base64.getDecoder().decode(payloadBase64);
                } catch (IllegalArgumentException e) {
                    throw invalid("payload-invalid", "payload_base64 is not base64.");
                }
            }
            if (raw.length == 0 || raw.length > SsmpSyntax.MAX_PAYLOAD) {
                throw invalid("payload-invalid", "A payload has 1 to " + SsmpSyntax.MAX_PAYLOAD + " bytes.");
            }
            return SsmpSyntax.toWireForm(raw);
        }
    }

    record Published(String topic, Long seq) { }

    /** At most {@value #MAX_BATCH} messages, published in order. */
    record Batch(List<Message> messages) { }

    record PublishedBatch(List<Published> published) { }

    static final int MAX_BATCH = 1000;

    record Unicast(String id, boolean delivered) { }

    record ConnectionView(String id, String address, String node, Instant since, String scheme, Set<String> topics) { }

    record ConnectionList(int total, boolean truncated, List<ConnectionView> connections) { }

    record HistoryMessage(long seq, Instant time, String from, String payload, String payloadBase64) { }

    record History(String topic, long latestSeq, boolean truncated, List<HistoryMessage> messages) { }

    record Status(String node, Set<String> nodes, boolean listening, int port, int connectionsHere, int topicsHere,
            int revokedSerials, Instant crlReadAt, long crlFailures, Instant certificateNotAfter) { }

    @PostMapping("/publish")
    @Operation(operationId = "publish", summary = "MCAST a payload to every subscriber of a topic, on every node, as the calling service; "
            + "`seq` is its place in the topic's history when history is kept for the topic")
    @ProblemResponse(status = 400, type = "topic-invalid", when = "`topic` is not 1-64 characters of `A-Z a-z 0-9 . : @ / _ - + = ~`")
    @ProblemResponse(status = 400, type = "payload-invalid",
            when = "not exactly one of `payload` and `payload_base64`, bad base64, or not 1-1024 bytes")
    @ProblemResponse(status = 503, type = "redis-unavailable", when = "the answer needs Redis and Redis did not answer within 5 s")
    Published publish(@RequestAttribute(ServiceAuthInterceptor.SERVICE) String from, @RequestBody Message m) {
        String topic = id(m.topic(), "topic");
        byte[] wire = m.wirePayload();
        Long seq = join(hub.mcast(from, null, topic, wire));
        return new Published(topic, seq);
    }

    @PostMapping("/publish/batch")
    @Operation(operationId = "publishBatch", summary = "MCAST many payloads, each to its topic, in order, as the calling service: what "
            + "`/v1/publish` does for each, in one request. Every message is checked before any is sent, so a bad one sends none")
    @ProblemResponse(status = 400, type = "batch-invalid", when = "`messages` is missing, empty, or longer than 1,000")
    @ProblemResponse(status = 400, type = "topic-invalid", when = "a `topic` is not 1-64 characters of `A-Z a-z 0-9 . : @ / _ - + = ~`")
    @ProblemResponse(status = 400, type = "payload-invalid",
            when = "a message has not exactly one of `payload` and `payload_base64`, bad base64, or not 1-1024 bytes")
    @ProblemResponse(status = 503, type = "redis-unavailable", when = "the answer needs Redis and Redis did not answer within 5 s")
    PublishedBatch publishBatch(@RequestAttribute(ServiceAuthInterceptor.SERVICE) String from, @RequestBody Batch batch) {
        if (batch.messages() == null || batch.messages().isEmpty() || batch.messages().size() > MAX_BATCH) {
            throw invalid("batch-invalid", "Send 1 to " + MAX_BATCH + " messages.");
        }
        List<String> topics = new ArrayList<>(batch.messages().size());
        List<byte[]> payloads = new ArrayList<>(batch.messages().size());
        for (Message m : batch.messages()) {
            if (m == null) {
                throw invalid("batch-invalid", "A message is null.");
            }
            topics.add(id(m.topic(), "topic"));
            payloads.add(m.wirePayload());
        }
        List<CompletableFuture<Long>> sent = new ArrayList<>(topics.size());
        for (int i = 0; i < topics.size(); i++) {
            sent.add(hub.mcast(from, null, topics.get(i), payloads.get(i)));
        }
        join(CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)));
        List<Published> published = new ArrayList<>(topics.size());
        for (int i = 0; i < topics.size(); i++) {
            published.add(new Published(topics.get(i), sent.get(i).getNow(null)));
        }
        return new PublishedBatch(published);
    }

    @PostMapping("/unicast")
    @Operation(operationId = "unicast", summary = "UCAST a payload to the connection holding an id, on whichever node it is")
    @ProblemResponse(status = 400, type = "id-invalid", when = "`id` is not 1-64 characters of `A-Z a-z 0-9 . : @ / _ - + = ~`")
    @ProblemResponse(status = 400, type = "payload-invalid",
            when = "not exactly one of `payload` and `payload_base64`, bad base64, or not 1-1024 bytes")
    @ProblemResponse(status = 404, type = "connection-not-found", when = "no live connection holds the id")
    @ProblemResponse(status = 503, type = "redis-unavailable", when = "the answer needs Redis and Redis did not answer within 5 s")
    Unicast unicast(@RequestAttribute(ServiceAuthInterceptor.SERVICE) String from, @RequestBody Message m) {
        String id = id(m.id(), "id");
        byte[] wire = m.wirePayload();
        if (!Boolean.TRUE.equals(join(hub.ucast(from, id, wire)))) {
            throw new ApiProblemException(HttpStatus.NOT_FOUND, "connection-not-found", "No connection holds the id " + id + ".");
        }
        return new Unicast(id, true);
    }

    @GetMapping("/connections")
    @Operation(operationId = "listConnections", summary = "Live SSMP connections of every node, ordered by id (without their topics)")
    @ProblemResponse(status = 400, type = "limit-invalid", when = "`limit` is outside 1 to `aero.verkehr.max-listed-connections` (10,000)")
    @ProblemResponse(status = 503, type = "redis-unavailable", when = "the answer needs Redis and Redis did not answer within 5 s")
    ConnectionList connections(@RequestParam(defaultValue = "1000") int limit) {
        if (limit < 1 || limit > settings.maxListedConnections()) {
            throw invalid("limit-invalid", "limit is 1 to " + settings.maxListedConnections() + ".");
        }
        List<ConnectionRecord> all = new ArrayList<>(join(hub.cluster().connections()));
        all.sort(Comparator.comparing(ConnectionRecord::id));
        List<ConnectionView> page = all.stream().limit(limit)
                .map(r -> new ConnectionView(r.id(), r.address(), r.node(), Instant.ofEpochMilli(r.since()), r.scheme(), null))
                .toList();
        return new ConnectionList(all.size(), all.size() > limit, page);
    }

    @GetMapping("/connection")
    @Operation(operationId = "getConnection", summary = "The live connection holding an id: its address, node, login scheme and topics")
    @ProblemResponse(status = 400, type = "id-invalid", when = "`id` is not 1-64 characters of `A-Z a-z 0-9 . : @ / _ - + = ~`")
    @ProblemResponse(status = 404, type = "connection-not-found", when = "no live connection holds the id")
    @ProblemResponse(status = 503, type = "redis-unavailable", when = "the answer needs Redis and Redis did not answer within 5 s")
    ConnectionView connection(@RequestParam String id) {
        id(id, "id");
        ConnectionRecord r = join(hub.cluster().locate(id));
        if (r == null) {
            throw new ApiProblemException(HttpStatus.NOT_FOUND, "connection-not-found", "No connection holds the id " + id + ".");
        }
        Session local = hub.session(id);
        Set<String> topics = local != null && local.key().equals(r.key()) ? local.topics() : join(hub.cluster().topicsOf(r.key()));
        return new ConnectionView(r.id(), r.address(), r.node(), Instant.ofEpochMilli(r.since()), r.scheme(), new TreeSet<>(topics));
    }

    @GetMapping("/history")
    @Operation(operationId = "getTopicHistory", summary = "The messages of a topic after a sequence number, for a client "
            + "recovering what it missed; `truncated` when some are no longer held")
    @ProblemResponse(status = 400, type = "topic-invalid", when = "`topic` is not 1-64 characters of `A-Z a-z 0-9 . : @ / _ - + = ~`")
    @ProblemResponse(status = 400, type = "after-invalid", when = "`after` is negative")
    @ProblemResponse(status = 404, type = "history-not-kept", when = "the topic matches none of `aero.verkehr.history.topic-prefixes`")
    @ProblemResponse(status = 503, type = "redis-unavailable", when = "the answer needs Redis and Redis did not answer within 5 s")
    History history(@RequestParam String topic, @RequestParam(defaultValue = "0") long after) {
        id(topic, "topic");
        if (after < 0) {
            throw invalid("after-invalid", "after is a sequence number, 0 or more.");
        }
        if (!settings.history().keeps(topic)) {
            throw new ApiProblemException(HttpStatus.NOT_FOUND, "history-not-kept",
                    "No history is kept for " + topic + " (aero.verkehr.history.topic-prefixes).");
        }
        Cluster.HistoryPage page = join(hub.cluster().history(topic, after));
        List<HistoryMessage> messages = page.entries().stream().map(e -> new HistoryMessage(e.seq(), Instant.ofEpochMilli(e.time()),
                e.from(), text(e.payload()), Base64.getEncoder().encodeToString(e.payload()))).toList();
        long oldest = messages.isEmpty() ? page.latest() + 1 : messages.getFirst().seq();
        // Truncated: messages after `after` existed that the history no longer holds.
        return new History(topic, page.latest(), after < page.latest() && oldest > after + 1, messages);
    }

    @GetMapping("/status")
    @Operation(operationId = "getStatus", summary = "This node: the nodes alive, its SSMP listener, connections and topics here, "
            + "the CRL in force and the server certificate's expiry")
    Status status() {
        long crlRead = revocations.lastSuccess();
        var material = server.material();
        return new Status(hub.cluster().nodeId(), new TreeSet<>(hub.cluster().liveNodes()), server.listening(), server.port(),
                hub.connectionCount(), hub.topicCount(), revocations.revoked().size(),
                crlRead == 0 ? null : Instant.ofEpochMilli(crlRead), revocations.failures(),
                material == null ? null : material.notAfter());
    }

    private static String id(String value, String field) {
        if (!SsmpSyntax.isId(value)) {
            throw invalid(field + "-invalid", field + " must be 1-64 characters of A-Z a-z 0-9 . : @ / _ - + = ~.");
        }
        return value;
    }

    /** UTF-8 text of a payload, or null when its bytes are not text. */
    private static String text(byte[] raw) {
        var decoder = StandardCharsets.UTF_8.newDecoder();
        try {
            String s = decoder.decode(java.nio.ByteBuffer.wrap(raw)).toString();
            return s.chars().anyMatch(c -> c < 0x20 && c != '\t') ? null : s;
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    private static ApiProblemException invalid(String slug, String detail) {
        return new ApiProblemException(HttpStatus.BAD_REQUEST, slug, detail);
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable();
        } catch (Exception e) {
            throw unavailable();
        }
    }

    private static ApiProblemException unavailable() {
        return new ApiProblemException(HttpStatus.SERVICE_UNAVAILABLE, "redis-unavailable",
                "verkehr cannot reach Redis right now; try again.");
    }
}
