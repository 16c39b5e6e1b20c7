package dev.aero.sp.commands;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import dev.aero.common.http.ServiceHttpClient;
import dev.aero.sp.SpProperties;
import dev.aero.sp.outbox.OutboxWorker;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Delivers {@code command_outbox} rows to command-server (an {@link OutboxWorker}): in order per
 * device, a batch ({@code batch}, 100) leased for {@code lease} (30 s), a failed delivery retried
 * after a delay doubling from 1 s up to {@code max-retry-delay}.
 *
 * <p>The leased rows go out in {@code POST /v1/queues/batch} requests of at most
 * {@value #MAX_ENTRIES} entries and at most one row per device: the first request takes each
 * device's first row, the next each device's second, and so on, so a device's rows reach its
 * queue in order, and a row command-server refuses holds the device's later rows back, as
 * sending row by row does. An entry answered with an error is a failed delivery of its row (the
 * error kept as {@code HTTP <status> <problem>}, as for a row sent alone); a request that fails
 * as a whole fails every row in it and leaves the rest for the next round. A command-server
 * without the batch endpoint (404 or 405) gets one request per row instead.
 */
@Component
@EnableConfigurationProperties(CommandsProperties.class)
public class CommandOutboxWorker extends OutboxWorker {

    private static final Logger log = LoggerFactory.getLogger(CommandOutboxWorker.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The most entries command-server takes in one batch. */
    static final int MAX_ENTRIES = 1000;
    /** The most bytes of entries in one request: command-server takes bodies of up to 1 MiB. */
    static final int MAX_BODY_BYTES = 1_000_000;

    private final CommandsProperties settings;
    private final ServiceHttpClient commandServer;
    private final URI batchUrl;
    /** Whether the last batch request found no batch endpoint (logged once per change). */
    private final AtomicBoolean noBatchEndpoint = new AtomicBoolean();

    CommandOutboxWorker(JdbcTemplate jdbc, TransactionTemplate transactions, Clock clock, CommandsProperties settings,
            SpProperties sp, MeterRegistry meters) {
        super("command-outbox", "aero.sp.commands", "command_outbox", "device_id", List.of("command_json", "replace_queue"),
                jdbc, transactions, clock, settings.maxRetryDelay(), settings.lease(), settings.batch(), meters);
        this.settings = settings;
        this.commandServer = new ServiceHttpClient(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(),
                "sp-service", sp.deploymentSecret());
        this.batchUrl = URI.create(settings.url() + "/v1/queues/batch");
    }

    private static boolean replace(Row r) {
        return Boolean.TRUE.equals(r.fields().get("replace_queue")) || Integer.valueOf(1).equals(r.fields().get("replace_queue"));
    }

    /** One row, on its own: the way to a command-server without the batch endpoint. */
    @Override
    protected String send(Row r) {
        try {
            HttpResponse<String> response = commandServer.send(replace(r) ? "PUT" : "POST",
                    URI.create(settings.url() + "/v1/devices/" + r.key() + "/commands"), (String) r.fields().get("command_json"),
                    settings.timeout());
            return response.statusCode() == 200 ? null : "HTTP " + response.statusCode() + " " + response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Override
    protected List<String> sendAll(List<Row> rows) {
        String[] results = new String[rows.size()];
        Set<String> held = new HashSet<>();
        List<Integer> waiting = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            waiting.add(i);
        }
        while (!waiting.isEmpty()) {
            // This round: each device's first row still waiting, in id order, within the limits.
            List<Integer> round = new ArrayList<>();
            List<JsonNode> entries = new ArrayList<>();
            Set<String> inRound = new HashSet<>();
            List<Integer> later = new ArrayList<>();
            int bytes = 0;
            for (int i : waiting) {
                Row r = rows.get(i);
                if (held.contains(r.key())) {
                    results[i] = HELD;
                    continue;
                }
                if (inRound.contains(r.key()) || round.size() == MAX_ENTRIES) {
                    later.add(i);
                    continue;
                }
                JsonNode entry;
                try {
                    entry = entry(r);
                } catch (RuntimeException e) {
                    results[i] = "unreadable command_json: " + e.getMessage();
                    held.add(r.key());
                    continue;
                }
                int size = entry.toString().length() + 1;
                if (!round.isEmpty() && bytes + size > MAX_BODY_BYTES) {
                    // Full: this device's rows wait for the next round.
                    inRound.add(r.key());
                    later.add(i);
                    continue;
                }
                bytes += size;
                inRound.add(r.key());
                round.add(i);
                entries.add(entry);
            }
            if (round.isEmpty()) {
                break;
            }
            List<String> answers = sendBatch(entries);
            if (answers == null) {
                // No batch endpoint: these rows and the rest go one by one.
                List<Integer> rest = new ArrayList<>(round);
                rest.addAll(later);
                rest.sort(null);
                for (int i : rest) {
                    Row r = rows.get(i);
                    if (held.contains(r.key())) {
                        results[i] = HELD;
                    } else if ((results[i] = send(r)) != null) {
                        held.add(r.key());
                    }
                }
                break;
            }
            for (int n = 0; n < round.size(); n++) {
                int i = round.get(n);
                results[i] = answers.get(n);
                if (results[i] != null) {
                    held.add(rows.get(i).key());
                }
            }
            waiting = later;
        }
        return Arrays.asList(results); // null: delivered
    }

    /** A row as an entry of the batch: {@code {"device", "command", "replace"}}. */
    private static JsonNode entry(Row r) {
        ObjectNode entry = JSON.createObjectNode();
        entry.put("device", r.key());
        entry.set("command", JSON.readTree((String) r.fields().get("command_json")));
        entry.put("replace", replace(r));
        return entry;
    }

    /**
     * One batch request: per entry, null when command-server took it, else why not; null (the
     * list) when command-server has no batch endpoint (404, 405).
     */
    private List<String> sendBatch(List<JsonNode> entries) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode array = body.putArray("entries");
        entries.forEach(array::add);
        String error;
        try {
            HttpResponse<String> response = commandServer.send("POST", batchUrl, JSON.writeValueAsString(body), settings.timeout());
            int status = response.statusCode();
            if (status == 404 || status == 405) {
                if (noBatchEndpoint.compareAndSet(false, true)) {
                    log.info("command-server answers {} to POST /v1/queues/batch (an older command-server): sending one request "
                            + "per command", status);
                }
                return null;
            }
            if (noBatchEndpoint.compareAndSet(true, false)) {
                log.info("command-server takes batches again");
            }
            if (status == 200) {
                List<String> answers = answers(response.body(), entries.size());
                if (answers != null) {
                    return answers;
                }
                error = "HTTP 200 without one result per entry: " + response.body();
            } else {
                error = "HTTP " + status + " " + response.body();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        } catch (Exception e) {
            error = e.toString();
        }
        List<String> failed = new ArrayList<>(entries.size());
        for (int n = 0; n < entries.size(); n++) {
            failed.add(error);
        }
        return failed;
    }

    /** The per-entry outcomes of a batch answer, or null when it does not hold one result per entry. */
    private static List<String> answers(String body, int entries) {
        JsonNode results;
        try {
            results = JSON.readTree(body).path("results");
        } catch (RuntimeException e) {
            return null;
        }
        if (!results.isArray() || results.size() != entries) {
            return null;
        }
        List<String> answers = new ArrayList<>(entries);
        for (JsonNode result : results) {
            JsonNode error = result.get("error");
            if (error != null && !error.isNull()) {
                answers.add("HTTP " + error.path("status").asInt(400) + " " + error);
            } else if (result.path("epoch").isIntegralNumber()) {
                answers.add(null);
            } else {
                answers.add("no epoch in the answer: " + result);
            }
        }
        return answers;
    }
}
