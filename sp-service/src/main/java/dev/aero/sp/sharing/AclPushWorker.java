package dev.aero.sp.sharing;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import dev.aero.common.http.ServiceHttpClient;
import dev.aero.common.ssmp.PlatformTopics;
import dev.aero.sp.SpProperties;
import dev.aero.sp.outbox.OutboxWorker;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/**
 * Publishes {@code acl_outbox} rows to verkehr (an {@link OutboxWorker}): each user's new epoch,
 * in decimal, on {@code acl/<base64url(sha256(user id))>}, at least once and never before the
 * change that moved it has committed.
 */
@Component
@EnableConfigurationProperties(AclPushProperties.class)
class AclPushWorker extends OutboxWorker {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final AclPushProperties settings;
    private final ServiceHttpClient verkehr;

    AclPushWorker(JdbcTemplate jdbc, TransactionTemplate transactions, Clock clock, AclPushProperties settings, SpProperties sp,
            MeterRegistry meters) {
        super("acl-outbox", "aero.sp.acl", "acl_outbox", "user_id", List.of("epoch"), jdbc, transactions, clock,
                settings.maxRetryDelay(), settings.lease(), settings.batch(), meters);
        this.settings = settings;
        this.verkehr = new ServiceHttpClient(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(), "sp-service",
                sp.deploymentSecret());
    }

    @Override
    protected String send(Row r) {
        return sendAll(List.of(r)).getFirst();
    }

    /** The whole batch in one {@code POST /v1/publish/batch}, which verkehr publishes in order: all delivered, or none. */
    @Override
    protected List<String> sendAll(List<Row> rows) {
        List<Map<String, String>> messages = new ArrayList<>(rows.size());
        for (Row r : rows) {
            Map<String, String> message = new LinkedHashMap<>();
            message.put("topic", PlatformTopics.acl(r.key()));
            message.put("payload", String.valueOf(r.fields().get("epoch")));
            messages.add(message);
        }
        String error;
        try {
            HttpResponse<String> response = verkehr.send("POST", settings.verkehrUrl().resolve("/v1/publish/batch"),
                    JSON.writeValueAsString(Map.of("messages", messages)), settings.timeout());
            error = response.statusCode() == 200 ? null : "HTTP " + response.statusCode() + " " + response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        } catch (Exception e) {
            error = e.toString();
        }
        return java.util.Collections.nCopies(rows.size(), error);
    }
}
