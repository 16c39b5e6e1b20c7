package dev.aero.sp.commands;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import dev.aero.common.http.ServiceHttpClient;
import dev.aero.sp.SpProperties;
import dev.aero.sp.outbox.OutboxWorker;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Delivers {@code command_outbox} rows to command-server (an {@link OutboxWorker}): in order per
 * device, a batch ({@code batch}, 100) leased for {@code lease} (30 s), a failed delivery retried
 * after a delay doubling from 1 s up to {@code max-retry-delay}.
 */
@Component
@EnableConfigurationProperties(CommandsProperties.class)
public class CommandOutboxWorker extends OutboxWorker {

    private final CommandsProperties settings;
    private final ServiceHttpClient commandServer;

    CommandOutboxWorker(JdbcTemplate jdbc, TransactionTemplate transactions, Clock clock, CommandsProperties settings,
            SpProperties sp, MeterRegistry meters) {
        super("command-outbox", "aero.sp.commands", "command_outbox", "device_id", List.of("command_json", "replace_queue"),
                jdbc, transactions, clock, settings.maxRetryDelay(), settings.lease(), settings.batch(), meters);
        this.settings = settings;
        this.commandServer = new ServiceHttpClient(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(),
                "sp-service", sp.deploymentSecret());
    }

    @Override
    protected String send(Row r) {
        boolean replace = Boolean.TRUE.equals(r.fields().get("replace_queue")) || Integer.valueOf(1).equals(r.fields().get("replace_queue"));
        try {
            HttpResponse<String> response = commandServer.send(replace ? "PUT" : "POST",
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
}
