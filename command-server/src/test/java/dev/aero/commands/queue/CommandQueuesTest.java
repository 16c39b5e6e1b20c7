package dev.aero.commands.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.aero.commands.queue.CommandQueues.Result;
import dev.aero.common.id.DID;
import dev.aero.common.testing.RealServices;
import dev.aero.common.testing.TestRedis;

/** The queue operations of docs/protocols/commands.md against real Redis. */
@RealServices(redis = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommandQueuesTest {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }

    private LettuceConnectionFactory factory;
    private StringRedisTemplate redis;
    private final ManualClock clock = new ManualClock();
    private CommandQueues queues;

    @BeforeAll
    void connect(TestRedis testRedis) {
        RedisStandaloneConfiguration config = new RedisStandaloneConfiguration(testRedis.host(), testRedis.port());
        config.setDatabase(testRedis.database());
        factory = new LettuceConnectionFactory(config);
        factory.afterPropertiesSet();
        factory.start();
        redis = new StringRedisTemplate(factory);
        queues = new CommandQueues(redis, clock, Duration.ofDays(7), 3);
    }

    @AfterAll
    void disconnect() {
        factory.destroy();
    }

    @Test
    void anAsynchronousEnqueueIsTheSameScriptAndLoadsItWhenRedisHasForgottenIt() throws Exception {
        DID did = DID.random();
        long first = queues.enqueue(did, "4");
        // SCRIPT FLUSH: the next EVALSHA is answered NOSCRIPT, and the enqueue sends the script itself.
        redis.execute((org.springframework.data.redis.core.RedisCallback<Object>) c -> {
            c.scriptingCommands().scriptFlush();
            return null;
        });
        CommandQueues.Enqueued second = queues.enqueueAsync(did, "5", false).get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(second.epoch()).isEqualTo(first + 1);
        assertThat(second.pushRetryPending()).isFalse();
        CommandQueues.Enqueued replaced = queues.enqueueAsync(did, "6", true).get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(queues.list(did)).extracting(CommandQueues.Queued::command).containsExactly("6");
        assertThat(queues.head(did).epoch()).isEqualTo(replaced.epoch());
        queues.pushFailed(did, Duration.ofMinutes(1), Duration.ofMinutes(5));
        assertThat(queues.enqueueAsync(did, "7", false).get(5, java.util.concurrent.TimeUnit.SECONDS).pushRetryPending())
                .isTrue();
    }

    @Test
    void enqueueHandsOutIncreasingEpochsAndTheHeadIsTheOldest() {
        DID did = DID.random();
        long first = queues.enqueue(did, "0");
        long second = queues.enqueue(did, "4");
        assertThat(second).isGreaterThan(first);
        assertThat(queues.head(did)).isEqualTo(new CommandQueues.Head("0", first, 2, 0));
    }

    @Test
    void enqueueOfAQueuedCommandMovesItToTheTailWithoutADuplicate() {
        DID did = DID.random();
        queues.enqueue(did, "0");
        queues.enqueue(did, "4");
        long again = queues.enqueue(did, "0");
        assertThat(queues.list(did)).extracting(CommandQueues.Queued::command).containsExactly("4", "0");
        assertThat(queues.list(did).get(1).epoch()).isEqualTo(again);
        assertThat(queues.head(did).size()).isEqualTo(2);
    }

    @Test
    void aBatchLeavesTheQueuesAndEpochsThatTheSameSingleEnqueuesInOrderLeave() {
        // The same script of operations, once through single calls and once as one batch, on
        // two fresh sets of devices whose queues start alike.
        DID[] single = {DID.random(), DID.random(), DID.random()};
        DID[] batched = {DID.random(), DID.random(), DID.random()};
        for (DID[] devices : List.of(single, batched)) {
            queues.enqueue(devices[0], "0");
            queues.enqueue(devices[2], "9");
        }
        record Op(int device, String command, boolean replace) { }
        List<Op> ops = List.of(new Op(0, "4", false), new Op(1, "1", false), new Op(0, "0", false), new Op(2, "2", true),
                new Op(1, "10:d-1:1900000000000", false), new Op(2, "4", false), new Op(0, "7", false), new Op(1, "3", true));
        List<Long> expected = new ArrayList<>();
        for (Op op : ops) {
            expected.add(op.replace() ? queues.replace(single[op.device()], op.command()) : queues.enqueue(single[op.device()], op.command()));
        }
        List<Long> epochs = queues.enqueueBatch(ops.stream().map(op -> new CommandQueues.Entry(batched[op.device()], op.command(),
                op.replace())).toList());
        assertThat(epochs).isEqualTo(expected);
        for (int d = 0; d < 3; d++) {
            assertThat(queues.list(batched[d])).as("device %d", d).isEqualTo(queues.list(single[d]));
            assertThat(redis.opsForValue().get("jeq:e/" + batched[d].hex())).isEqualTo(redis.opsForValue().get("jeq:e/" + single[d].hex()));
        }
        assertThat(queues.list(batched[0])).extracting(CommandQueues.Queued::command).as("0 moved to the tail").containsExactly("4", "0", "7");
        assertThat(queues.list(batched[1])).extracting(CommandQueues.Queued::command).as("replaced last").containsExactly("3");
        assertThat(queues.list(batched[2])).extracting(CommandQueues.Queued::command).as("replaced, then one more").containsExactly("2", "4");
        assertThat(queues.enqueueBatch(List.of())).isEmpty();
    }

    @Test
    void aBatchIsOneRedisCommand(TestRedis testRedis) {
        // Every command this client sends is counted (Lettuce's command listener).
        List<String> sent = Collections.synchronizedList(new ArrayList<>());
        RedisStandaloneConfiguration config = new RedisStandaloneConfiguration(testRedis.host(), testRedis.port());
        config.setDatabase(testRedis.database());
        LettuceConnectionFactory counted = new LettuceConnectionFactory(config);
        counted.afterPropertiesSet();
        counted.getRequiredNativeClient().addListener(new io.lettuce.core.event.command.CommandListener() {
            @Override
            public void commandStarted(io.lettuce.core.event.command.CommandStartedEvent event) {
                sent.add(event.getCommand().getType().toString());
            }
        });
        counted.start();
        try {
            CommandQueues batching = new CommandQueues(new StringRedisTemplate(counted), clock, Duration.ofDays(7), 3);
            List<CommandQueues.Entry> entries = new ArrayList<>();
            DID twice = DID.random();
            entries.add(new CommandQueues.Entry(twice, "4", false));
            for (int i = 0; i < 998; i++) {
                entries.add(new CommandQueues.Entry(DID.random(), "4", false));
            }
            entries.add(new CommandQueues.Entry(twice, "1", false));
            batching.enqueueBatch(List.of(new CommandQueues.Entry(DID.random(), "0", false))); // loads the script
            sent.clear();
            List<Long> epochs = batching.enqueueBatch(entries);
            assertThat(sent).containsExactly("EVALSHA");
            assertThat(epochs).hasSize(1000);
            assertThat(epochs.subList(0, 999)).containsOnly(1L);
            assertThat(epochs.getLast()).as("the first device's second command").isEqualTo(2);
            assertThat(queues.list(twice)).extracting(CommandQueues.Queued::command).containsExactly("4", "1");
            assertThat(queues.head(entries.get(500).did())).isEqualTo(new CommandQueues.Head("4", 1, 1, 0));
        } finally {
            counted.destroy();
        }
    }

    @Test
    void ackOfTheHeadRemovesItAndReturnsTheNext() {
        DID did = DID.random();
        long e1 = queues.enqueue(did, "0");
        long e2 = queues.enqueue(did, "1");
        CommandQueues.Outcome outcome = queues.ack(did, e1);
        assertThat(outcome.result()).isEqualTo(Result.ACKED);
        assertThat(outcome.next()).isEqualTo(new CommandQueues.Head("1", e2, 1, 0));
        assertThat(queues.ack(did, e2).next().empty()).isTrue();
        assertThat(redis.keys("jeq:*/" + did.hex())).containsExactly("jeq:e/" + did.hex());
    }

    @Test
    void ackOfAStaleOrUnknownEpochLeavesTheQueueUnchanged() {
        DID did = DID.random();
        long e1 = queues.enqueue(did, "0");
        long e2 = queues.enqueue(did, "1");
        List<CommandQueues.Queued> before = queues.list(did);
        assertThat(queues.ack(did, e2).result()).as("not the head").isEqualTo(Result.STALE);
        assertThat(queues.ack(did, e1 - 1).result()).isEqualTo(Result.STALE);
        assertThat(queues.ack(did, 999_999).result()).isEqualTo(Result.STALE);
        assertThat(queues.ack(DID.random(), e1).result()).as("another device").isEqualTo(Result.STALE);
        assertThat(queues.list(did)).isEqualTo(before);
        queues.ack(did, e1);
        assertThat(queues.ack(did, e1).result()).as("acked twice").isEqualTo(Result.STALE);
    }

    @Test
    void retryMovesTheHeadToTheTailAndDeadLettersItAtTheMaximum() {
        DID did = DID.random();
        long e1 = queues.enqueue(did, "6");
        queues.enqueue(did, "7");
        CommandQueues.Outcome first = queues.retryLater(did, e1);
        assertThat(first.result()).isEqualTo(Result.RETRIED);
        assertThat(first.next().command()).isEqualTo("7");
        queues.ack(did, first.next().epoch());
        long epoch = queues.head(did).epoch();
        assertThat(queues.retryLater(did, epoch).result()).isEqualTo(Result.RETRIED);
        epoch = queues.head(did).epoch();
        CommandQueues.Outcome third = queues.retryLater(did, epoch);
        assertThat(third.result()).isEqualTo(Result.DEAD_LETTERED);
        assertThat(third.next().empty()).isTrue();
        assertThat(queues.deadLetters(did)).singleElement().satisfies(d -> {
            assertThat(d.command()).isEqualTo("6");
            assertThat(d.attempts()).isEqualTo(3);
        });
        assertThat(queues.devicesWithDeadLetters()).contains(did);
        assertThat(queues.retryLater(did, epoch).result()).as("stale retry").isEqualTo(Result.STALE);
    }

    @Test
    void totalsCountEveryQueuedCommandAndDeadLetterAcrossMoreDevicesThanOneScanBatch() {
        CommandQueues.Totals before = queues.totals();
        List<DID> many = new ArrayList<>();
        for (int i = 0; i < 1_100; i++) {
            DID did = DID.random();
            many.add(did);
            queues.enqueue(did, "6");
        }
        DID busy = DID.random();
        queues.enqueue(busy, "6");
        queues.enqueue(busy, "7");
        DID failing = DID.random();
        queues.enqueue(failing, "8");
        for (int i = 0; i < 3; i++) {
            queues.retryLater(failing, queues.head(failing).epoch());
        }
        DID emptied = DID.random();
        queues.ack(emptied, queues.enqueue(emptied, "6"));

        CommandQueues.Totals after = queues.totals();
        assertThat(after.devicesWithCommands() - before.devicesWithCommands()).isEqualTo(1_101);
        assertThat(after.commandsWaiting() - before.commandsWaiting()).isEqualTo(1_102);
        assertThat(after.devicesWithDeadLetters() - before.devicesWithDeadLetters()).isEqualTo(1);
        assertThat(after.deadLetters() - before.deadLetters()).isEqualTo(1);
        many.forEach(queues::flush);
        queues.flush(busy);
        queues.redrive(failing);
        queues.flush(failing);
        assertThat(queues.totals()).isEqualTo(before);
    }

    @Test
    void redriveReturnsDeadLettersToTheQueueWithAttemptsReset() {
        DID did = DID.random();
        CommandQueues one = new CommandQueues(redis, clock, Duration.ofDays(7), 1);
        long e = one.enqueue(did, "8");
        assertThat(one.retryLater(did, e).result()).isEqualTo(Result.DEAD_LETTERED);
        assertThat(one.redrive(did)).isEqualTo(1);
        assertThat(one.deadLetters(did)).isEmpty();
        assertThat(one.devicesWithDeadLetters()).doesNotContain(did);
        assertThat(one.list(did)).singleElement().satisfies(q -> {
            assertThat(q.command()).isEqualTo("8");
            assertThat(q.attempts()).isZero();
            assertThat(q.epoch()).isGreaterThan(e);
        });
    }

    @Test
    void commandOlderThanItsTimeToLiveIsDroppedWhenItReachesTheHead() {
        DID did = DID.random();
        CommandQueues shortLived = new CommandQueues(redis, clock, Duration.ofMinutes(10), 3);
        shortLived.enqueue(did, "7");
        clock.millis.addAndGet(Duration.ofMinutes(6).toMillis());
        long fresh = shortLived.enqueue(did, "9");
        clock.millis.addAndGet(Duration.ofMinutes(5).toMillis());
        assertThat(shortLived.head(did)).isEqualTo(new CommandQueues.Head("9", fresh, 1, 1));
        assertThat(redis.opsForHash().hasKey("jeq:c/" + did.hex(), "7")).isFalse();
    }

    @Test
    void replaceFlushesTheQueueBeforeEnqueueing() {
        DID did = DID.random();
        long e1 = queues.enqueue(did, "0");
        queues.enqueue(did, "1");
        long unlink = queues.replace(did, "2");
        assertThat(unlink).isGreaterThan(e1);
        assertThat(queues.list(did)).extracting(CommandQueues.Queued::command).containsExactly("2");
        assertThat(queues.flush(did)).isEqualTo(1);
        assertThat(queues.head(did).empty()).isTrue();
        assertThat(queues.enqueue(did, "4")).as("epochs never repeat").isGreaterThan(unlink);
    }

    @Test
    void fiftyThreadsEnqueueingAndAckingLoseAndDuplicateNothing() throws Exception {
        List<DID> devices = List.of(DID.random(), DID.random(), DID.random(), DID.random(), DID.random());
        int perThread = 40;
        Map<DID, List<Long>> acked = new ConcurrentHashMap<>();
        devices.forEach(d -> acked.put(d, Collections.synchronizedList(new ArrayList<>())));
        Map<DID, AtomicLong> enqueued = new ConcurrentHashMap<>();
        devices.forEach(d -> enqueued.put(d, new AtomicLong()));
        ExecutorService pool = Executors.newFixedThreadPool(50);
        CountDownLatch start = new CountDownLatch(1);
        List<java.util.concurrent.Future<?>> work = new ArrayList<>();
        for (int t = 0; t < 50; t++) {
            int thread = t;
            DID did = devices.get(t % devices.size());
            work.add(pool.submit(() -> {
                start.await();
                if (thread % 2 == 0) {
                    for (int i = 0; i < perThread; i++) {
                        // Distinct commands (UPLOAD_LOGS with a unique defect id), so none merges with another.
                        queues.enqueue(did, "10:t" + thread + "-" + i + ":0");
                        enqueued.get(did).incrementAndGet();
                    }
                } else {
                    for (int i = 0; i < perThread * 4; i++) {
                        CommandQueues.Head h = queues.head(did);
                        if (!h.empty() && queues.ack(did, h.epoch()).result() == Result.ACKED) {
                            acked.get(did).add(h.epoch());
                        }
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (var f : work) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        for (DID did : devices) {
            CommandQueues.Head h;
            while (!(h = queues.head(did)).empty()) {
                assertThat(queues.ack(did, h.epoch()).result()).isEqualTo(Result.ACKED);
                acked.get(did).add(h.epoch());
            }
            List<Long> epochs = acked.get(did);
            assertThat(epochs).as("every command acked exactly once").hasSize((int) enqueued.get(did).get()).doesNotHaveDuplicates();
            List<Long> sorted = new ArrayList<>(epochs);
            Collections.sort(sorted);
            // Acks by different threads may be recorded out of order, but each ack removed the lowest epoch.
            assertThat(sorted.getFirst()).isEqualTo(1);
            assertThat(sorted.getLast()).isEqualTo(enqueued.get(did).get());
        }
    }
}
