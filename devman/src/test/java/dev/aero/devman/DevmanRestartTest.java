package dev.aero.devman;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;

import dev.aero.common.id.DID;
import dev.aero.common.testing.RealServices;
import dev.aero.common.testing.TestRedis;
import dev.aero.devman.presence.DeviceStatus;
import dev.aero.devman.presence.EventLag;
import dev.aero.devman.presence.PresenceStore;

/**
 * devman stopped and started again in the middle of a burst of 10,000 verkehr events ends with
 * every device in the state its events say: nothing lost while it was down, nothing it had read
 * but not acknowledged skipped, nothing replayed into a wrong state.
 */
@RealServices(redis = true)
class DevmanRestartTest {

    private static final int DEVICES = 2_500;

    private static ConfigurableApplicationContext start(TestRedis redis) {
        return new SpringApplicationBuilder(DevmanApplication.class).run("--server.port=0", "--management.server.port=0",
                "--spring.data.redis.host=" + redis.host(), "--spring.data.redis.port=" + redis.port(),
                "--spring.data.redis.database=" + redis.database(), "--aero.devman.deployment-secret=s",
                "--aero.devman.device-tls.enabled=false");
    }

    @Test
    void aRestartInTheMiddleOfABurstLeavesEveryDeviceRight(TestRedis redis) throws Exception {
        // Per device: login c1, login c2, close c1, and for every other device close c2 as well
        // (3 or 4 events: 8,750, and 1,250 replays below make 10,000).
        List<DID> devices = new ArrayList<>();
        List<Map<String, String>> events = new ArrayList<>();
        long t = System.currentTimeMillis();
        for (int i = 0; i < DEVICES; i++) {
            DID did = DID.random();
            devices.add(did);
            String a = "n1:" + i;
            String b = "n2:" + i;
            events.add(event("login", did, a, t + 1));
            events.add(event("login", did, b, t + 2));
            events.add(event("close", did, a, t + 3));
            if (i % 2 == 0) {
                events.add(event("close", did, b, t + 4));
            }
        }
        // Replays of earlier logins after their close (as a re-read backlog would bring them).
        for (int i = 0; events.size() < 10_000; i += 2) {
            events.add(event("login", devices.get(i), "n2:" + i, t + 2));
        }
        assertThat(events).hasSize(10_000);

        // verkehr's side: its own connection, which outlives devman's.
        RedisClient client = RedisClient.create(RedisURI.builder().withHost(redis.host()).withPort(redis.port())
                .withDatabase(redis.database()).build());
        StatefulRedisConnection<String, String> producerConnection = client.connect();
        ConfigurableApplicationContext first = start(redis);
        Thread producer = Thread.ofPlatform().start(() -> {
            for (Map<String, String> e : events) {
                producerConnection.sync().xadd("verkehr:events", e);
            }
        });
        // Stop devman once a part of the burst is in, while the rest keeps coming.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (producerConnection.sync().xlen("verkehr:events") < 3_000 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        first.close();
        producer.join();
        assertThat(producerConnection.sync().xlen("verkehr:events")).isEqualTo(10_000);
        producerConnection.close();
        client.shutdown();

        try (ConfigurableApplicationContext second = start(redis)) {
            EventLag lag = second.getBean(EventLag.class);
            deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                lag.refresh();
                EventLag.Snapshot s = lag.snapshot();
                if (s.lag() != null && s.lag() == 0 && s.pending() != null && s.pending() == 0) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(lag.snapshot().lag()).isZero();
            assertThat(lag.snapshot().pending()).isZero();
            PresenceStore store = second.getBean(PresenceStore.class);
            List<DeviceStatus> statuses = store.statuses(devices);
            for (int i = 0; i < DEVICES; i++) {
                DeviceStatus s = statuses.get(i);
                assertThat(s.online()).as("device %d", i).isEqualTo(i % 2 == 1);
                assertThat(s.address()).isEqualTo("192.0.2.1");
                if (i % 2 == 0) {
                    assertThat(s.lastSeen().toEpochMilli()).isEqualTo(t + 4);
                }
            }
            assertThat(store.onlineCount()).isEqualTo(DEVICES / 2);
        }
    }

    private static Map<String, String> event(String type, DID did, String conn, long time) {
        return Map.of("type", type, "id", did.hex(), "did", did.hex(), "address", "192.0.2.1", "node", conn.substring(0, 2),
                "conn", conn, "time", Long.toString(time), "scheme", "cert");
    }
}
