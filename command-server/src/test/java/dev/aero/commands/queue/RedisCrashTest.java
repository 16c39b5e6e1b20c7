package dev.aero.commands.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.aero.common.id.DID;

/**
 * With append-only persistence as deploy/ configures it (appendonly yes, appendfsync everysec),
 * a Redis killed outright and started again still has every enqueue it acknowledged: Redis writes
 * the AOF before it replies. Runs a private redis-server (the one the launcher installs).
 */
@EnabledIf("redisServerInstalled")
class RedisCrashTest {

    static boolean redisServerInstalled() {
        return Files.isExecutable(Path.of("/usr/bin/redis-server"));
    }

    @Test
    void acknowledgedEnqueuesSurviveARedisKill() throws Exception {
        Path dir = Files.createTempDirectory("aof-test");
        int port = freePort();
        DID did = DID.random();
        Process redis = start(dir, port);
        try {
            LettuceConnectionFactory factory = connect(port);
            CommandQueues queues = new CommandQueues(new StringRedisTemplate(factory), Clock.systemUTC(), Duration.ofDays(1), 10);
            for (int i = 0; i < 300; i++) {
                queues.enqueue(did, "10:d" + i + ":0");
            }
            queues.ack(did, queues.head(did).epoch());
            factory.destroy();
            redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

            redis = start(dir, port);
            factory = connect(port);
            queues = new CommandQueues(new StringRedisTemplate(factory), Clock.systemUTC(), Duration.ofDays(1), 10);
            List<CommandQueues.Queued> after = queues.list(did);
            assertThat(after).hasSize(299);
            assertThat(after.getFirst().command()).isEqualTo("10:d1:0");
            assertThat(after.getLast().epoch()).isEqualTo(300);
            assertThat(queues.enqueue(did, "4")).as("epochs continue").isEqualTo(301);
            factory.destroy();
        } finally {
            redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anAsynchronousEnqueueFailsAfterTheCommandTimeoutWhenRedisHangs() throws Exception {
        Path dir = Files.createTempDirectory("hang-test");
        int port = freePort();
        Process redis = start(dir, port);
        LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port),
                org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration.builder().commandTimeout(Duration.ofMillis(300))
                        .build());
        factory.afterPropertiesSet();
        factory.start();
        try {
            CommandQueues queues = new CommandQueues(new StringRedisTemplate(factory), Clock.systemUTC(), Duration.ofDays(1), 10);
            DID did = DID.random();
            assertThat(queues.enqueueAsync(did, "4", false).get(5, TimeUnit.SECONDS).epoch()).isEqualTo(1);
            signal(redis, "STOP"); // Redis still holds the connection, and answers nothing
            long start = System.nanoTime();
            assertThatThrownBy(() -> queues.enqueueAsync(did, "5", false).get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(io.lettuce.core.RedisCommandTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            signal(redis, "CONT");
            assertThat(queues.enqueueAsync(did, "6", false).get(5, TimeUnit.SECONDS).epoch()).as("the connection serves again").isPositive();
        } finally {
            factory.destroy();
            redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void signal(Process process, String signal) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor()).isZero();
    }

    private static Process start(Path dir, int port) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--appendonly", "yes", "--appendfsync", "everysec", "--save", "")
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return p;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("redis-server did not start: " + Files.readString(dir.resolve("redis.log")));
    }

    private static LettuceConnectionFactory connect(int port) {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port));
        factory.afterPropertiesSet();
        factory.start();
        return factory;
    }
}
