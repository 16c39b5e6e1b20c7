package dev.aero.sp.outbox;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.aero.common.concurrent.Backoff;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Delivers what SP owes another service, written to an outbox table in the same transaction as
 * the change that causes it: right after a commit that wrote some, and every second for rows
 * still due. A batch is leased (its rows pushed {@code lease} into the future, so another SP node
 * leaves them alone) in a short transaction, then sent in id order. A delivered row is deleted. A
 * failed one is retried after a delay that doubles from 1 s up to {@code maxRetryDelay}, and the
 * later rows of the same key wait with it, so each key's messages arrive in order.
 *
 * <p>An outbox table has the columns {@code id} (auto-increment), its key column,
 * {@code attempts}, {@code next_attempt_at} and {@code last_error}, and the columns its
 * subclass reads; the subclass sends one row.
 */
public abstract class OutboxWorker implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(OutboxWorker.class);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);

    /** One row to send: its id, its key and the columns the subclass asked for. */
    protected record Row(long id, String key, Map<String, Object> fields, int attempts) { }

    private final String name;
    private final String table;
    private final String keyColumn;
    private final List<String> columns;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final Duration maxRetryDelay;
    private final Duration lease;
    private final int batch;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final Counter delivered;
    private final Counter failed;
    private ScheduledExecutorService executor;
    private volatile boolean running;

    /**
     * @param name the outbox's name, for its thread and logs
     * @param metricPrefix counters {@code <prefix>.delivered} and {@code <prefix>.delivery.failures}
     * @param columns what {@link #send} reads of a row
     */
    protected OutboxWorker(String name, String metricPrefix, String table, String keyColumn, List<String> columns, JdbcTemplate jdbc,
            TransactionTemplate transactions, Clock clock, Duration maxRetryDelay, Duration lease, int batch, MeterRegistry meters) {
        this.name = name;
        this.table = table;
        this.keyColumn = keyColumn;
        this.columns = List.copyOf(columns);
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.clock = clock;
        this.maxRetryDelay = maxRetryDelay;
        this.lease = lease;
        this.batch = batch;
        this.delivered = Counter.builder(metricPrefix + ".delivered").register(meters);
        this.failed = Counter.builder(metricPrefix + ".delivery.failures").register(meters);
        // The backlog, for alerts on an outbox that stops draining (deploy/monitoring).
        Gauge.builder("aero.sp.outbox.pending", this, OutboxWorker::pendingRows).tag("outbox", name)
                .description("rows waiting in the outbox table").register(meters);
    }

    /** Rows in the table; NaN when the database does not answer (the scrape must not fail). */
    private double pendingRows() {
        try {
            Long n = jdbc.queryForObject("SELECT COUNT(*) FROM " + table, Long.class);
            return n == null ? Double.NaN : n;
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Sends one row; null when the other service took it, else why not (kept as the row's last error). */
    protected abstract String send(Row row);

    /** What {@link #sendAll} answers for a row it did not send because an earlier row of its key failed. */
    protected static final String HELD = "held behind an earlier message of its key";

    /**
     * Sends a batch in id order and answers, per row and in the same order, null when it was
     * delivered, {@link #HELD} when it was not sent, or why it failed. The default sends row by
     * row and holds the rows behind a failed row of the same key; an outbox whose receiver
     * takes many messages in one request overrides it.
     */
    protected List<String> sendAll(List<Row> rows) {
        Set<String> held = new HashSet<>();
        List<String> results = new ArrayList<>(rows.size());
        for (Row r : rows) {
            if (held.contains(r.key())) {
                results.add(HELD);
                continue;
            }
            String error = send(r);
            if (error != null) {
                held.add(r.key());
            }
            results.add(error);
        }
        return results;
    }

    /** A transaction wrote rows: deliver them right after it commits. */
    public void wakeAfterCommit() {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    wake();
                }
            });
        }
    }

    /** Something was committed: deliver soon. */
    public void wake() {
        if (running && pending.compareAndSet(false, true)) {
            executor.execute(this::deliverSafely);
        }
    }

    @Override
    public void start() {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        running = true;
        executor.scheduleWithFixedDelay(this::deliverSafely, 1, 1, TimeUnit.SECONDS);
    }

    private void deliverSafely() {
        pending.set(false);
        try {
            while (deliverDue() == batch) {
                // a full batch: more may be due
            }
        } catch (RuntimeException e) {
            log.warn("{} delivery failed: {}", name, e.toString());
        }
    }

    /** One batch; returns how many rows it took. */
    public int deliverDue() {
        Instant now = Instant.now(clock);
        String select = "SELECT id, " + keyColumn + ", attempts" + (columns.isEmpty() ? "" : ", " + String.join(", ", columns))
                + " FROM " + table + " WHERE next_attempt_at <= ? ORDER BY id LIMIT " + batch + " FOR UPDATE SKIP LOCKED";
        List<Row> rows = transactions.execute(status -> {
            List<Row> due = jdbc.query(select, (rs, i) -> {
                Map<String, Object> fields = new LinkedHashMap<>();
                for (int c = 0; c < columns.size(); c++) {
                    fields.put(columns.get(c), rs.getObject(4 + c));
                }
                return new Row(rs.getLong(1), rs.getString(2), fields, rs.getInt(3));
            }, Timestamp.from(now));
            if (!due.isEmpty()) {
                jdbc.update("UPDATE " + table + " SET next_attempt_at = ? WHERE id IN (" + ids(due) + ")", Timestamp.from(now.plus(lease)));
            }
            return due;
        });
        if (rows.isEmpty()) {
            return 0;
        }
        List<String> results = sendAll(rows);
        List<Row> sent = new ArrayList<>();
        Set<String> failedKeys = new HashSet<>();
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            String error = results.get(i);
            if (error == null) {
                sent.add(r);
            } else if (error != HELD && failedKeys.add(r.key())) {
                failed.increment();
                long delay = Backoff.afterFailures(FIRST_RETRY, maxRetryDelay, r.attempts() + 1).toMillis();
                Timestamp next = Timestamp.from(Instant.now(clock).plusMillis(delay));
                jdbc.update("UPDATE " + table + " SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                        error.length() > 255 ? error.substring(0, 255) : error, next, r.id());
                jdbc.update("UPDATE " + table + " SET next_attempt_at = ? WHERE " + keyColumn + " = ? AND id > ?", next, r.key(), r.id());
            }
        }
        if (!sent.isEmpty()) {
            jdbc.update("DELETE FROM " + table + " WHERE id IN (" + ids(sent) + ")");
            delivered.increment(sent.size());
        }
        return rows.size();
    }

    private static String ids(List<Row> rows) {
        StringBuilder out = new StringBuilder();
        for (Row r : rows) {
            out.append(out.isEmpty() ? "" : ",").append(r.id());
        }
        return out.toString();
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
