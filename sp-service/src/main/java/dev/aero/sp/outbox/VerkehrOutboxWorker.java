package dev.aero.sp.outbox;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import dev.aero.common.http.ServiceHttpClient;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/**
 * An outbox whose rows are verkehr messages: each batch goes out in one
 * {@code POST /v1/publish/batch}, which verkehr publishes in order, all or none. A message that
 * appears more than once in a batch (the same topic and payload) is published once.
 */
public abstract class VerkehrOutboxWorker extends OutboxWorker {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One message for verkehr: a topic and its text payload. */
    public record Message(String topic, String payload) { }

    private final URI batchUrl;
    private final Duration timeout;
    private final ServiceHttpClient verkehr;

    protected VerkehrOutboxWorker(String name, String metricPrefix, String table, String keyColumn, List<String> columns, JdbcTemplate jdbc,
            TransactionTemplate transactions, Clock clock, Settings settings, String deploymentSecret, MeterRegistry meters) {
        super(name, metricPrefix, table, keyColumn, columns, jdbc, transactions, clock, settings.maxRetryDelay(), settings.lease(),
                settings.batch(), meters);
        this.batchUrl = settings.verkehrUrl().resolve("/v1/publish/batch");
        this.timeout = settings.timeout();
        this.verkehr = new ServiceHttpClient(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(), "sp-service",
                deploymentSecret);
    }

    /** Where and how this outbox publishes. */
    public interface Settings {
        URI verkehrUrl();

        Duration timeout();

        Duration maxRetryDelay();

        Duration lease();

        int batch();
    }

    /** The message a row stands for. */
    protected abstract Message message(Row row);

    @Override
    protected String send(Row r) {
        return sendAll(List.of(r)).getFirst();
    }

    @Override
    protected List<String> sendAll(List<Row> rows) {
        Set<Message> distinct = new LinkedHashSet<>();
        for (Row r : rows) {
            distinct.add(message(r));
        }
        List<Map<String, String>> messages = new ArrayList<>(distinct.size());
        for (Message m : distinct) {
            messages.add(Map.of("topic", m.topic(), "payload", m.payload()));
        }
        String error;
        try {
            HttpResponse<String> response = verkehr.send("POST", batchUrl, JSON.writeValueAsString(Map.of("messages", messages)), timeout);
            error = response.statusCode() == 200 ? null : "HTTP " + response.statusCode() + " " + response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        } catch (Exception e) {
            error = e.toString();
        }
        return Collections.nCopies(rows.size(), error);
    }
}
