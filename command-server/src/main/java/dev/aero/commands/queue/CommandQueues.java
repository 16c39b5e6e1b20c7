package dev.aero.commands.queue;

import dev.aero.common.concurrent.Backoff;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.connection.lettuce.LettuceConnection;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.data.redis.core.script.RedisScript;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.aero.common.id.DID;

/**
 * The per-device durable command queues of docs/protocols/commands.md, on Redis. Every operation is one
 * Lua script (in {@code resources/jeq/}, each with its keys, arguments and result in its header),
 * so concurrent callers never see a half-done step.
 *
 * <p>Keys per device: {@code jeq:q/<did>} (zset command → epoch), {@code jeq:e/<did>} (epoch
 * counter), {@code jeq:a/<did>} (attempts), {@code jeq:c/<did>} (creation time, ms), and, beyond
 * the spec, {@code jeq:d/<did>} (dead letters, a list of JSON entries) with the index
 * {@code jeq:dead} of devices that have any.
 */
public final class CommandQueues {

    /** The live head of a queue; {@code command} is null when the queue is empty. */
    public record Head(String command, long epoch, long size, long expired) {
        public boolean empty() {
            return command == null;
        }
    }

    /** What an ack or a retry did, and the head after it. */
    public record Outcome(Result result, Head next) { }

    public enum Result { STALE, ACKED, RETRIED, DEAD_LETTERED }

    /** A command that ran out of attempts. */
    public record DeadLetter(String command, long attempts, long created, long dead) { }

    public static final String DEAD_INDEX = "jeq:dead";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final StringRedisTemplate redis;
    private final Clock clock;
    private final Duration timeToLive;
    private final int maxAttempts;
    private final RedisScript<List> enqueue = script("enqueue", List.class, ENQUEUE_ONE);
    private final RedisScript<List> enqueueBatch = script("enqueue-batch", List.class, ENQUEUE_ONE);
    private final RedisScript<List> head = script("head", List.class, LIVE_HEAD);
    private final RedisScript<List> ack = script("ack", List.class, LIVE_HEAD);
    private final RedisScript<List> retry = script("retry", List.class, LIVE_HEAD);
    private final RedisScript<Long> flush = script("flush", Long.class);
    private final RedisScript<Long> redrive = script("redrive", Long.class);

    /** Counts what the queues do; a no-op unless a registry is attached. */
    public interface Events {
        Events NONE = new Events() { };

        default void enqueued(long size) { }

        default void acked() { }

        default void retried() { }

        default void deadLettered() { }

        default void expired(long n) { }
    }

    private Events events = Events.NONE;

    public CommandQueues withEvents(Events events) {
        this.events = events;
        return this;
    }

    public CommandQueues(StringRedisTemplate redis, Clock clock, Duration timeToLive, int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts must be at least 1");
        }
        this.redis = redis;
        this.clock = clock;
        this.timeToLive = timeToLive;
        this.maxAttempts = maxAttempts;
    }

    /** Appends {@code command} (moving it to the tail if queued already); returns its epoch. */
    public long enqueue(DID did, String command) {
        return enqueue(did, command, false).epoch();
    }

    /** Flushes the queue, then enqueues: nothing queued before runs ahead of {@code command}. */
    public long replace(DID did, String command) {
        return enqueue(did, command, true).epoch();
    }

    /**
     * What an enqueue did: the command's epoch, and whether its device is on the push retry index
     * ({@link #UNPUSHED}: its last push failed). Only then does a push that works have to take
     * it off ({@link #pushSucceeded}); otherwise a push needs no further Redis step.
     */
    public record Enqueued(long epoch, boolean pushRetryPending) { }

    /** {@link #enqueue} or, with {@code replace}, {@link #replace}, telling whether a push retry is pending. */
    public Enqueued enqueue(DID did, String command, boolean replace) {
        List<?> r = redis.execute(enqueue, List.of(q(did), e(did), a(did), c(did), UNPUSHED), command, now(), replace ? "1" : "0",
                did.hex());
        events.enqueued(((Number) r.get(1)).longValue());
        return new Enqueued(((Number) r.get(0)).longValue(), ((Number) r.get(2)).longValue() == 1);
    }

    /**
     * {@link #enqueue(DID, String, boolean)} without blocking the caller: the same script, sent on
     * the shared Redis connection; the stage completes on that connection's event loop, with the
     * connection's failure or, after the command timeout ({@code spring.data.redis.timeout},
     * Lettuce's own timer), a timeout. For callers that must not park a thread per command (the
     * service port's front, dev.aero.commands.front).
     */
    public CompletableFuture<Enqueued> enqueueAsync(DID did, String command, boolean replace) {
        byte[][] keys = {utf8(q(did)), utf8(e(did)), utf8(a(did)), utf8(c(did)), utf8(UNPUSHED)};
        byte[][] args = {utf8(command), utf8(now()), utf8(replace ? "1" : "0"), utf8(did.hex())};
        RedisClusterAsyncCommands<byte[], byte[]> async = nativeAsync();
        CompletableFuture<List<Object>> sent = async.<List<Object>>evalsha(enqueue.getSha1(), ScriptOutputType.MULTI, keys, args)
                .toCompletableFuture()
                // The script is loaded by its first blocking run, or here, once, on NOSCRIPT.
                .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                        ? async.<List<Object>>eval(enqueue.getScriptAsString(), ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                        : CompletableFuture.failedFuture(unwrap(e)));
        return sent.thenApply(r -> {
            events.enqueued(((Number) r.get(1)).longValue());
            return new Enqueued(((Number) r.get(0)).longValue(), ((Number) r.get(2)).longValue() == 1);
        });
    }

    /** A PING on the connection {@link #enqueueAsync} uses: it completes on that connection's event loop. */
    public CompletionStage<String> ping() {
        return nativeAsync().ping();
    }

    private volatile RedisClusterAsyncCommands<byte[], byte[]> nativeAsync;

    /** The asynchronous commands of Spring's shared Lettuce connection (the one the blocking calls use too). */
    @SuppressWarnings("resource") // the shared connection belongs to the factory; its wrapper holds nothing of its own
    private RedisClusterAsyncCommands<byte[], byte[]> nativeAsync() {
        RedisClusterAsyncCommands<byte[], byte[]> a = nativeAsync;
        if (a == null) {
            if (!(redis.getRequiredConnectionFactory().getConnection() instanceof LettuceConnection lettuce)) {
                throw new IllegalStateException("asynchronous enqueues need Redis through Lettuce");
            }
            a = lettuce.getNativeConnection();
            nativeAsync = a;
        }
        return a;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /** One enqueue of a batch: {@link #enqueue} or, with {@code replace}, {@link #replace}. */
    public record Entry(DID did, String command, boolean replace) { }

    /** Upper bound of {@link #enqueueBatch}'s entries: the script takes four keys and three arguments each. */
    public static final int MAX_BATCH = 10_000;

    /**
     * Applies {@code entries} in order in one Redis round trip (one script, so all or nothing):
     * each as {@link #enqueue} or {@link #replace} would, so the epochs are those single calls in
     * the same order would hand out. Returns the epochs, in the order of the entries.
     */
    public List<Long> enqueueBatch(List<Entry> entries) {
        return enqueueAll(entries).stream().map(Enqueued::epoch).toList();
    }

    /** {@link #enqueueBatch}, with each entry's {@link Enqueued}. */
    public List<Enqueued> enqueueAll(List<Entry> entries) {
        if (entries.isEmpty()) {
            return List.of();
        }
        if (entries.size() > MAX_BATCH) {
            throw new IllegalArgumentException("at most " + MAX_BATCH + " entries in one batch");
        }
        List<String> keys = new ArrayList<>(1 + entries.size() * 4);
        keys.add(UNPUSHED);
        Object[] args = new Object[1 + entries.size() * 3];
        args[0] = now();
        int i = 1;
        for (Entry entry : entries) {
            keys.add(q(entry.did()));
            keys.add(e(entry.did()));
            keys.add(a(entry.did()));
            keys.add(c(entry.did()));
            args[i++] = entry.command();
            args[i++] = entry.replace() ? "1" : "0";
            args[i++] = entry.did().hex();
        }
        List<?> r = redis.execute(enqueueBatch, keys, args);
        List<Enqueued> out = new ArrayList<>(entries.size());
        for (int n = 0; n < entries.size(); n++) {
            out.add(new Enqueued(((Number) r.get(3 * n)).longValue(), ((Number) r.get(3 * n + 2)).longValue() == 1));
            events.enqueued(((Number) r.get(3 * n + 1)).longValue());
        }
        return out;
    }

    public Head head(DID did) {
        Head h = toHead(redis.execute(head, List.of(q(did), a(did), c(did)), now(), ttl()), 0);
        events.expired(h.expired());
        return h;
    }

    /** Acknowledges the head if {@code epoch} is its epoch; any other epoch changes nothing. */
    public Outcome ack(DID did, long epoch) {
        List<?> r = redis.execute(ack, List.of(q(did), a(did), c(did)), Long.toString(epoch), now(), ttl());
        Outcome outcome = new Outcome(((Number) r.get(0)).longValue() == 1 ? Result.ACKED : Result.STALE, toHead(r, 1));
        if (outcome.result() == Result.ACKED) {
            events.acked();
        }
        events.expired(outcome.next().expired());
        return outcome;
    }

    /** The device could not carry the head out: retried at the tail, or dead-lettered at the maximum. */
    public Outcome retryLater(DID did, long epoch) {
        List<?> r = redis.execute(retry, List.of(q(did), e(did), a(did), c(did), d(did), DEAD_INDEX),
                Long.toString(epoch), now(), ttl(), Integer.toString(maxAttempts), did.hex());
        Result result = switch (((Number) r.get(0)).intValue()) {
            case 1 -> Result.RETRIED;
            case 2 -> Result.DEAD_LETTERED;
            default -> Result.STALE;
        };
        switch (result) {
            case RETRIED -> events.retried();
            case DEAD_LETTERED -> events.deadLettered();
            default -> { }
        }
        Outcome outcome = new Outcome(result, toHead(r, 1));
        events.expired(outcome.next().expired());
        return outcome;
    }

    /** Empties the queue; returns how many commands it held. */
    public long flush(DID did) {
        return redis.execute(flush, List.of(q(did), a(did), c(did)));
    }

    /** Every queued command, head first, with its epoch. */
    public List<Queued> list(DID did) {
        List<Queued> out = new ArrayList<>();
        var entries = redis.opsForZSet().rangeWithScores(q(did), 0, -1);
        if (entries != null) {
            for (var t : entries) {
                Object attempts = redis.opsForHash().get(a(did), t.getValue());
                Object created = redis.opsForHash().get(c(did), t.getValue());
                out.add(new Queued(t.getValue(), t.getScore().longValue(),
                        attempts == null ? 0 : Long.parseLong(attempts.toString()),
                        created == null ? 0 : Long.parseLong(created.toString())));
            }
        }
        return out;
    }

    public record Queued(String command, long epoch, long attempts, long created) { }

    public List<DeadLetter> deadLetters(DID did) {
        List<String> raw = redis.opsForList().range(d(did), 0, -1);
        List<DeadLetter> out = new ArrayList<>();
        if (raw != null) {
            for (String entry : raw) {
                JsonNode n = JSON.readTree(entry);
                out.add(new DeadLetter(n.path("command").asString(), n.path("attempts").asLong(), n.path("created").asLong(),
                        n.path("dead").asLong()));
            }
        }
        return out;
    }

    /** Devices that have dead letters. */
    public List<DID> devicesWithDeadLetters() {
        var members = redis.opsForSet().members(DEAD_INDEX);
        return members == null ? List.of() : members.stream().sorted().map(DID::of).toList();
    }

    /**
     * Queued commands and dead letters over every device: devices with a queue, the commands in
     * them, devices with dead letters and how many. Walks the queue keys (SCAN, and ZCARD and
     * LLEN pipelined by the thousand), so it costs a round trip per thousand devices: callers
     * keep the answer a while ({@link QueueTotals}). Commands past their time to live that no
     * read has removed yet are counted.
     */
    public Totals totals() {
        long devices = 0;
        long commands = 0;
        List<String> batch = new ArrayList<>(SCAN_BATCH);
        try (Cursor<String> keys = redis.scan(ScanOptions.scanOptions().match("jeq:q/*").count(SCAN_BATCH).build())) {
            while (keys.hasNext()) {
                batch.add(keys.next());
                if (batch.size() == SCAN_BATCH || !keys.hasNext()) {
                    for (Object n : sizes(batch, false)) {
                        long size = n instanceof Number v ? v.longValue() : 0;
                        devices += size > 0 ? 1 : 0;
                        commands += size;
                    }
                    batch.clear();
                }
            }
        }
        List<String> dead = new ArrayList<>();
        var members = redis.opsForSet().members(DEAD_INDEX);
        if (members != null) {
            members.forEach(did -> dead.add("jeq:d/" + did));
        }
        long deadLetters = 0;
        for (int i = 0; i < dead.size(); i += SCAN_BATCH) {
            for (Object n : sizes(dead.subList(i, Math.min(dead.size(), i + SCAN_BATCH)), true)) {
                deadLetters += n instanceof Number v ? v.longValue() : 0;
            }
        }
        return new Totals(devices, commands, dead.size(), deadLetters);
    }

    private static final int SCAN_BATCH = 1000;

    /** Totals over every device's queue (see {@link #totals()}). */
    public record Totals(long devicesWithCommands, long commandsWaiting, long devicesWithDeadLetters, long deadLetters) { }

    private List<Object> sizes(List<String> keys, boolean lists) {
        return redis.executePipelined((RedisCallback<Object>) connection -> {
            for (String key : keys) {
                byte[] k = key.getBytes(StandardCharsets.UTF_8);
                if (lists) {
                    connection.listCommands().lLen(k);
                } else {
                    connection.zSetCommands().zCard(k);
                }
            }
            return null;
        });
    }

    /** Puts the device's dead letters back at the tail of its queue with attempts reset and a fresh creation time. */
    public long redrive(DID did) {
        return redis.execute(redrive, List.of(d(did), q(did), e(did), a(did), c(did), DEAD_INDEX), now(), did.hex());
    }

    // ---- pushes that did not get through ----

    /** Index of devices whose last push failed: did → when to try again (ms). */
    public static final String UNPUSHED = "jeq:unpushed";
    /** did → the current retry delay (ms), doubled on every failure. */
    public static final String UNPUSHED_DELAY = "jeq:unpushed-delay";

    /** Schedules another push for the device, {@code initial} from now or twice the last delay, at most {@code max}. */
    public void pushFailed(DID did, Duration initial, Duration max) {
        Object last = redis.opsForHash().get(UNPUSHED_DELAY, did.hex());
        long delay = Backoff.doubled(last == null ? null : Duration.ofMillis(Long.parseLong(last.toString())), initial, max).toMillis();
        redis.opsForHash().put(UNPUSHED_DELAY, did.hex(), Long.toString(delay));
        redis.opsForZSet().add(UNPUSHED, did.hex(), clock.millis() + delay);
    }

    public void pushSucceeded(DID did) {
        redis.opsForZSet().remove(UNPUSHED, did.hex());
        redis.opsForHash().delete(UNPUSHED_DELAY, did.hex());
    }

    /** Devices whose push retry is due, at most {@code limit}. */
    public List<DID> pushesDue(int limit) {
        var due = redis.opsForZSet().rangeByScore(UNPUSHED, Double.NEGATIVE_INFINITY, clock.millis(), 0, limit);
        return due == null ? List.of() : due.stream().map(DID::of).toList();
    }

    private Head toHead(List<?> r, int offset) {
        Object command = r.get(offset);
        long epoch = ((Number) r.get(offset + 1)).longValue();
        long size = ((Number) r.get(offset + 2)).longValue();
        long expired = ((Number) r.get(offset + 3)).longValue();
        return new Head(command instanceof String s ? s : null, epoch, size, expired);
    }

    private String now() {
        return Long.toString(clock.millis());
    }

    private String ttl() {
        return Long.toString(timeToLive.toMillis());
    }

    static String q(DID did) {
        return "jeq:q/" + did.hex();
    }

    static String e(DID did) {
        return "jeq:e/" + did.hex();
    }

    static String a(DID did) {
        return "jeq:a/" + did.hex();
    }

    static String c(DID did) {
        return "jeq:c/" + did.hex();
    }

    static String d(DID did) {
        return "jeq:d/" + did.hex();
    }

    /** Shared Lua (local functions) that scripts have prepended: the live head, and one enqueue. */
    private static final String LIVE_HEAD = "live-head";
    private static final String ENQUEUE_ONE = "enqueue-one";

    /** The script {@code jeq/<name>.lua}, with the {@code shared} pieces prepended: one copy of each piece of logic. */
    private static <T> RedisScript<T> script(String name, Class<T> type, String... shared) {
        StringBuilder body = new StringBuilder();
        for (String piece : shared) {
            body.append(lua(piece)).append('\n');
        }
        return new DefaultRedisScript<>(body.append(lua(name)).toString(), type);
    }

    private static String lua(String name) {
        try {
            return new ClassPathResource("jeq/" + name + ".lua").getContentAsString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("script jeq/" + name + ".lua missing", e);
        }
    }
}
