package dev.aero.common.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.aero.common.testing.RealServices;
import dev.aero.common.testing.TestRedis;

/** The consumer-group reader against real Redis: nothing lost, Redis failures retried, bad entries skipped. */
@RealServices(redis = true)
class StreamGroupReaderTest {

    private LettuceConnectionFactory factory;
    private StringRedisTemplate redis;
    private String stream;

    @BeforeEach
    void connect(TestRedis test) {
        RedisStandaloneConfiguration config = new RedisStandaloneConfiguration(test.host(), test.port());
        config.setDatabase(test.database());
        factory = new LettuceConnectionFactory(config);
        factory.afterPropertiesSet();
        factory.start();
        redis = new StringRedisTemplate(factory);
        stream = "test:events:" + System.nanoTime();
    }

    @AfterEach
    void close() {
        factory.destroy();
    }

    private void append(String value) {
        redis.opsForStream().add(stream, Map.of("v", value));
    }

    private long pending(String group) {
        return redis.opsForStream().pending(stream, group).getTotalPendingMessages();
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(condition.getAsBoolean()).isTrue();
    }

    @Test
    void aNewGroupReadsFromTheStartWhenAskedAndEveryEntryIsAcknowledgedAfterItsHandler() throws Exception {
        append("before");
        List<String> seen = new CopyOnWriteArrayList<>();
        StreamGroupReader reader = new StreamGroupReader(redis, stream, "g", "c", 10, true,
                (id, fields) -> seen.add(fields.get("v").toString()), null);
        reader.start();
        try {
            append("after");
            await(() -> seen.size() == 2);
            assertThat(seen).containsExactly("before", "after");
            await(() -> pending("g") == 0);
        } finally {
            reader.stop();
        }
    }

    @Test
    void aGroupThatStartsAtTheEndSkipsWhatCameBefore() throws Exception {
        append("old");
        List<String> seen = new CopyOnWriteArrayList<>();
        StreamGroupReader reader = new StreamGroupReader(redis, stream, "g", "c", 10, false,
                (id, fields) -> seen.add(fields.get("v").toString()), null);
        reader.start();
        try {
            Thread.sleep(300);
            append("new");
            await(() -> seen.size() == 1);
            assertThat(seen).containsExactly("new");
        } finally {
            reader.stop();
        }
    }

    @Test
    void aRedisFailureInTheHandlerIsRetriedAndABadEntryIsSkipped() throws Exception {
        AtomicInteger failures = new AtomicInteger();
        List<String> seen = new CopyOnWriteArrayList<>();
        StreamGroupReader reader = new StreamGroupReader(redis, stream, "g", "c", 10, true, (id, fields) -> {
            String v = fields.get("v").toString();
            if (v.equals("flaky") && failures.getAndIncrement() < 2) {
                throw new RedisSystemException("Redis went away", new IllegalStateException());
            }
            if (v.equals("poison")) {
                throw new IllegalArgumentException("cannot handle this one");
            }
            seen.add(v);
        }, null);
        append("flaky");
        append("poison");
        append("fine");
        reader.start();
        try {
            await(() -> seen.contains("fine"));
            assertThat(seen).containsExactly("flaky", "fine");
            assertThat(failures.get()).isEqualTo(3);
            await(() -> pending("g") == 0);
        } finally {
            reader.stop();
        }
    }

    @Test
    void whatAConsumerReadAndDidNotAcknowledgeIsReadAgainAfterARestart() throws Exception {
        append("one");
        append("two");
        // The first run cannot apply anything (its store is down); it stops with both pending.
        StreamGroupReader first = new StreamGroupReader(redis, stream, "g", "c", 10, true, (id, fields) -> {
            throw new RedisSystemException("store down", new IllegalStateException());
        }, null);
        first.start();
        await(() -> redis.opsForStream().groups(stream).size() == 1 && pending("g") >= 1);
        first.stop();

        List<String> seen = new CopyOnWriteArrayList<>();
        StreamGroupReader second = new StreamGroupReader(redis, stream, "g", "c", 10, true,
                (id, fields) -> seen.add(fields.get("v").toString()), null);
        second.start();
        try {
            append("three");
            await(() -> seen.size() == 3);
            assertThat(seen).containsExactly("one", "two", "three");
            await(() -> pending("g") == 0);
        } finally {
            second.stop();
        }
    }
}
