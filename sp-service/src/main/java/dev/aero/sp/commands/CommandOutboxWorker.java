package dev.aero.sp.commands;

import dev.aero.common.http.ServiceHttpClient;
import dev.aero.common.concurrent.Backoff;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import dev.aero.sp.SpProperties;

/**
 * Delivers {@code command_outbox} rows to command-server: right after a commit that wrote some,
 * and every second for those still due. A batch ({@code batch}, 100) is leased (its rows pushed
 * {@code lease}, 30 s, into the future)
 * in a short transaction, then sent in id order. A delivered row is deleted. A failed one is
 * retried after a delay that doubles from 1 s, and the device's later rows wait with it, so each
 * device gets its commands in order.
 */
@Component
@EnableConfigurationProperties(CommandsProperties.class)
public class CommandOutboxWorker implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(CommandOutboxWorker.class);

    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);

    private record Row(long id, String device, String json, boolean replace, int attempts) { }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final CommandsProperties settings;
    private final ServiceHttpClient commandServer;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final Counter delivered;
    private final Counter failed;
    private ScheduledExecutorService executor;
    private volatile boolean running;

    CommandOutboxWorker(JdbcTemplate jdbc, TransactionTemplate transactions, Clock clock, CommandsProperties settings,
            SpProperties sp, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.clock = clock;
        this.settings = settings;
        this.commandServer = new ServiceHttpClient(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(),
                "sp-service", sp.deploymentSecret());
        this.delivered = Counter.builder("aero.sp.commands.delivered").register(meters);
        this.failed = Counter.builder("aero.sp.commands.delivery.failures").register(meters);
    }

    /** Something was committed: deliver soon. */
    void wake() {
        if (running && pending.compareAndSet(false, true)) {
            executor.execute(this::deliverSafely);
        }
    }

    @Override
    public void start() {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "command-outbox");
            t.setDaemon(true);
            return t;
        });
        running = true;
        executor.scheduleWithFixedDelay(this::deliverSafely, 1, 1, TimeUnit.SECONDS);
    }

    private void deliverSafely() {
        pending.set(false);
        try {
            while (deliverDue() == settings.batch()) {
                // a full batch: more may be due
            }
        } catch (RuntimeException e) {
            log.warn("command outbox delivery failed: {}", e.toString());
        }
    }

    /** One batch; returns how many rows it took. */
    int deliverDue() {
        Instant now = Instant.now(clock);
        List<Row> rows = transactions.execute(status -> {
            List<Row> due = jdbc.query("SELECT id, device_id, command_json, replace_queue, attempts FROM command_outbox"
                    + " WHERE next_attempt_at <= ? ORDER BY id LIMIT " + settings.batch() + " FOR UPDATE SKIP LOCKED",
                    (rs, i) -> new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBoolean(4), rs.getInt(5)),
                    Timestamp.from(now));
            for (Row r : due) {
                jdbc.update("UPDATE command_outbox SET next_attempt_at = ? WHERE id = ?", Timestamp.from(now.plus(settings.lease())), r.id());
            }
            return due;
        });
        Set<String> held = new HashSet<>();
        for (Row r : rows) {
            if (held.contains(r.device())) {
                continue;
            }
            String error = send(r);
            if (error == null) {
                jdbc.update("DELETE FROM command_outbox WHERE id = ?", r.id());
                delivered.increment();
            } else {
                held.add(r.device());
                failed.increment();
                long delay = Backoff.afterFailures(FIRST_RETRY, settings.maxRetryDelay(), r.attempts() + 1).toMillis();
                Timestamp next = Timestamp.from(Instant.now(clock).plusMillis(delay));
                jdbc.update("UPDATE command_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                        error.length() > 255 ? error.substring(0, 255) : error, next, r.id());
                jdbc.update("UPDATE command_outbox SET next_attempt_at = ? WHERE device_id = ? AND id > ?", next, r.device(), r.id());
            }
        }
        return rows.size();
    }

    /** Null when command-server took the command, else why not. */
    private String send(Row r) {
        try {
            HttpResponse<String> response = commandServer.send(r.replace() ? "PUT" : "POST",
                    URI.create(settings.url() + "/v1/devices/" + r.device() + "/commands"), r.json(), settings.timeout());
            return response.statusCode() == 200 ? null : "HTTP " + response.statusCode() + " " + response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Override
    public void stop() {
        running = false;
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
