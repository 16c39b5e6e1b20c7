package dev.aero.sp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.TestPropertySource;

import dev.aero.client.sp.SpApiException;
import dev.aero.common.id.SID;

@SpServiceTest
@TestPropertySource(properties = {
        "aero.sp.rate-limits.sign-in-per-account=3/1m",
        "aero.sp.rate-limits.sign-in-per-address=12/1m",
        "aero.sp.rate-limits.password-reset-per-account=2/1m",
        "aero.sp.rate-limits.password-change-per-account=3/1m",
        "aero.sp.rate-limits.invitations-per-user=4/1m",
        "aero.sp.rate-limits.device-registrations-per-user=2/1m" })
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

    @Test
    void passwordChangesAreLimitedPerAccountEvenWithTheRightOldPassword() throws Exception {
        Account member = member("changer");
        String token = anonymous().signIn(member.email(), PASSWORD).token();
        Account m = new Account(member.email(), anonymous().withToken(token));
        for (int i = 0; i < 3; i++) {
            assertProblem(problem(() -> m.client().changePassword("guess", "a brand new passphrase")), 403, "password-incorrect");
        }
        assertProblem(problem(() -> m.client().changePassword(PASSWORD, "a brand new passphrase")), 429, "rate-limited");
        HttpResponse<String> raw = raw("POST", "/api/v1/users/me/password", "application/json",
                "{\"old_password\":\"guess\",\"new_password\":\"a brand new passphrase\"}", token);
        assertProblemResponse(raw, 429);
        assertThat(Integer.parseInt(raw.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 60);
        // The password did not change: the old one still signs in.
        assertThat(anonymous().signIn(m.email(), PASSWORD).token()).isNotBlank();
    }

    @Test
    void invitationsToTheOrganizationAndToFoldersAreLimitedPerInviter() {
        Account m = member("sharer");
        forgetAttempts(); // member() itself was an invitation by the admin
        admin().client().invite(uniqueEmail("one"));
        admin().client().invite(uniqueEmail("two"));
        SID sid = SID.random();
        admin().client().createSharedFolder("Limited", sid);
        admin().client().inviteToSharedFolder(sid, m.email(), "EDITOR");
        admin().client().invite(uniqueEmail("three"));
        assertProblem(problem(() -> admin().client().invite(uniqueEmail("four"))), 429, "rate-limited");
        assertProblem(problem(() -> admin().client().inviteToSharedFolder(sid, uniqueEmail("five"), "EDITOR")), 429, "rate-limited");
        // Another user's invitations are counted apart.
        m.client().joinSharedFolder(sid);
        SID own = SID.random();
        m.client().createSharedFolder("Own", own);
        assertThat(m.client().inviteToSharedFolder(own, admin().email(), "VIEWER")).isNotNull();
    }

    @Test
    void deviceRegistrationsAreLimitedPerUser() {
        Account m = member("registrar");
        register(m);
        register(m);
        assertProblem(problem(() -> register(m)), 429, "rate-limited");
        assertThat(register(member("neighbour")).id()).isNotNull();
    }
}
