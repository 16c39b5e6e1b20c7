package dev.aero.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.aero.commands.queue.CommandQueues;
import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.id.DID;
import dev.aero.common.testing.RealServices;
import dev.aero.common.testing.TestRedis;

/** Everything lives in Redis: a command-server restarted between enqueue and ack loses nothing. */
@RealServices(redis = true)
class CommandServerRestartTest {

    private static final String SECRET = "restart-secret";

    private static ConfigurableApplicationContext start(TestRedis redis) {
        return new SpringApplicationBuilder(CommandServerApplication.class).run(
                "--server.port=0", "--management.server.port=0", "--spring.data.redis.host=" + redis.host(), "--spring.data.redis.port=" + redis.port(),
                "--spring.data.redis.database=" + redis.database(), "--aero.commands.deployment-secret=" + SECRET,
                "--aero.commands.device-tls.enabled=false", "--aero.commands.verkehr-url=http://127.0.0.1:9");
    }

    @Test
    void commandsEnqueuedBeforeARestartAreThereAfterIt(TestRedis redis) throws Exception {
        DID did = DID.random();
        try (ConfigurableApplicationContext first = start(redis)) {
            int port = Integer.parseInt(first.getEnvironment().getProperty("local.server.port"));
            for (String type : List.of("REFRESH_CRL", "CHECK_UPDATE", "UNLINK_SELF")) {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/devices/" + did.hex() + "/commands"))
                        .header(ServiceCredential.HEADER, new ServiceCredential("sp-service", SECRET).toHeaderValue())
                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(5))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"" + type + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
            }
            CommandQueues queues = first.getBean(CommandQueues.class);
            assertThat(queues.ack(did, queues.head(did).epoch()).result()).isEqualTo(CommandQueues.Result.ACKED);
        }
        try (ConfigurableApplicationContext second = start(redis)) {
            CommandQueues queues = second.getBean(CommandQueues.class);
            // The failed pushes are still on the retry index for the sweep (verkehr is unreachable here).
            assertThat(second.getBean(org.springframework.data.redis.core.StringRedisTemplate.class).opsForZSet()
                    .score(CommandQueues.UNPUSHED, did.hex())).isNotNull();
            assertThat(queues.list(did)).extracting(CommandQueues.Queued::command).containsExactly("7", "2");
            CommandQueues.Head head = queues.head(did);
            assertThat(queues.ack(did, head.epoch()).result()).isEqualTo(CommandQueues.Result.ACKED);
            assertThat(queues.ack(did, queues.head(did).epoch()).next().empty()).isTrue();
        }
    }
}
