package dev.aero.sp.ratelimit;

import java.util.List;
import java.util.Map;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import dev.aero.common.web.ApiProblemException;
import dev.aero.sp.account.SecretTokens;
import dev.aero.sp.SpProperties.Limit;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Fixed-window attempt counters in Redis, one key per (action, subject). Subjects (account
 * names, addresses) are hashed so keys never carry personal data. When Redis cannot be reached
 * the attempt is refused (503): an outage must not switch brute-force protection off.
 */
@Component
public class RateLimiter {

    /**
     * KEYS[1] counter; ARGV[1] window in ms. Increments the counter, starting the window on the
     * first attempt. Returns {count, milliseconds left in the window}.
     */
    private static final RedisScript<List> COUNT = RedisScript.of("""
            local n = redis.call('INCR', KEYS[1])
            if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
            return {n, ttl}
            """, List.class);

    private final StringRedisTemplate redis;
    private final MeterRegistry meters;

    RateLimiter(StringRedisTemplate redis, MeterRegistry meters) {
        this.redis = redis;
        this.meters = meters;
    }

    /** Counts one attempt; throws 429 with Retry-After when it is over the limit. */
    public void acquire(String action, String scope, String subject, Limit limit) {
        if (limit.max() == 0) {
            return;
        }
        String key = "sp:rl:" + action + ":" + scope + ":" + digest(subject);
        List<?> result;
        try {
            result = redis.execute(COUNT, List.of(key), Long.toString(limit.window().toMillis()));
        } catch (DataAccessException e) {
            meters.counter("aero.sp.rate_limit.unavailable", "action", action).increment();
            throw new ApiProblemException(HttpStatus.SERVICE_UNAVAILABLE, "rate-limit-unavailable",
                    "Attempts cannot be counted right now; try again shortly.");
        }
        long count = ((Number) result.get(0)).longValue();
        long ttlMillis = ((Number) result.get(1)).longValue();
        if (count > limit.max()) {
            meters.counter("aero.sp.rate_limit.refused", "action", action, "scope", scope).increment();
            long retryAfter = Math.max(1, (ttlMillis + 999) / 1000);
            ApiProblemException problem = new ApiProblemException(HttpStatus.TOO_MANY_REQUESTS, "rate-limited",
                    "Too many attempts; try again in " + retryAfter + " s.", Map.of("retry_after", retryAfter));
            problem.getHeaders().set("Retry-After", Long.toString(retryAfter));
            throw problem;
        }
    }

    /** Forgets the attempts counted for a subject, e.g. an account after a successful sign-in. */
    public void reset(String action, String scope, String subject) {
        try {
            redis.delete("sp:rl:" + action + ":" + scope + ":" + digest(subject));
        } catch (DataAccessException e) {
            // The counter expires with its window anyway.
        }
    }

    /** The first 128 bits of the subject's SHA-256: enough to tell subjects apart, and no personal data. */
    private static String digest(String subject) {
        return SecretTokens.hash(subject).substring(0, 32);
    }
}
