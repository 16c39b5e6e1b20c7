package dev.aero.sp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.TestPropertySource;

import dev.aero.client.sp.SpApiException;

@SpServiceTest
@TestPropertySource(properties = {
        "aero.sp.rate-limits.sign-in-per-account=3/1m",
        "aero.sp.rate-limits.sign-in-per-address=12/1m",
        "aero.sp.rate-limits.password-reset-per-account=2/1m" })
class RateLimitTest extends SpTestSupport {

    @Autowired
    StringRedisTemplate redis;

    /** Each test starts with fresh counters: they share one client address. */
    @AfterEach
    void forgetAttempts() {
        redis.delete(redis.keys("sp:rl:*"));
    }

    @Test
    void signInIsLimitedPerAccountWithRetryAfter() throws Exception {
        Account m = member("brute");
        for (int i = 0; i < 3; i++) {
            assertProblem(problem(() -> anonymous().signIn(m.email(), "guess")), 401, "invalid-credentials");
        }
        SpApiException limited = problem(() -> anonymous().signIn(m.email(), PASSWORD));
        assertProblem(limited, 429, "rate-limited");
        HttpResponse<String> raw = raw("POST", "/api/v1/sessions", "application/json",
                "{\"email\":\"" + m.email() + "\",\"password\":\"guess\"}", null);
        assertProblemResponse(raw, 429);
        int retryAfter = Integer.parseInt(raw.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1, 60);
        // Another account from the same address is still served (until the address limit).
        Account other = member("bystander");
        assertThat(anonymous().signIn(other.email(), PASSWORD).token()).isNotBlank();
    }

    @Test
    void signInIsLimitedPerClientAddress() {
        for (int i = 0; i < 12; i++) {
            String email = uniqueEmail("spray");
            problem(() -> anonymous().signIn(email, "guess"));
        }
        assertProblem(problem(() -> anonymous().signIn(uniqueEmail("spray"), "guess")), 429, "rate-limited");
    }

    @Test
    void passwordResetRequestsAreLimitedPerAccount() {
        Account m = member("resetter");
        anonymous().requestPasswordReset(m.email());
        anonymous().requestPasswordReset(m.email());
        assertProblem(problem(() -> anonymous().requestPasswordReset(m.email())), 429, "rate-limited");
        assertThat(count("password_resets")).isEqualTo(2);
    }
}
