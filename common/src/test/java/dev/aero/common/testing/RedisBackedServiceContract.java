package dev.aero.common.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * {@link BootServiceContract} for a service that keeps state in Redis: its own Redis client
 * reaches the real server, in the database index the harness gave this test class.
 */
public abstract class RedisBackedServiceContract extends BootServiceContract {

    @Autowired
    private StringRedisTemplate redis;

    @Autowired
    private RedisConnectionFactory connections;

    @Test
    void redisRoundTripLandsInTheClassDatabase(TestRedis testRedis) {
        String key = "contract:" + getClass().getSimpleName();
        redis.opsForValue().set(key, "value with spaces and ünïcode", Duration.ofMinutes(5));
        assertThat(redis.opsForValue().get(key)).isEqualTo("value with spaces and ünïcode");
        try (var connection = connections.getConnection()) {
            // Only this test's key carries its prefix (the app may keep keys of its own).
            assertThat(connection.keyCommands().keys("contract:*".getBytes(java.nio.charset.StandardCharsets.UTF_8))).hasSize(1);
        }
        assertThat(redis.getExpire(key)).isPositive();
        assertThat(redis.delete(key)).isTrue();
        assertThat(testRedis.database()).isPositive();
    }
}
