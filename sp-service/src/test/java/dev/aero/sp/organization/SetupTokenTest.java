package dev.aero.sp.organization;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;

import dev.aero.client.sp.SignUp;
import dev.aero.client.sp.SpApiException;
import dev.aero.client.sp.User;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;
import dev.aero.sp.account.SecretTokens;

/**
 * The first run, on a fresh SP database: the deployment's first user, who becomes its admin,
 * must show the setup token SP made for the operator; the token is stored hashed, single use,
 * and of no use once the admin exists. The tests run in order: the last one creates the admin.
 */
@SpServiceTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SetupTokenTest extends SpTestSupport {

    @Autowired
    SetupToken setupToken;

    @Test
    @Order(1)
    void theTokenIsInAFileOnlyItsOwnerReadsAndOnlyItsHashInTheDatabase() throws Exception {
        String token = setupToken();
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(setupToken.file()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(setupToken.file().getParent())))
                .isEqualTo("rwx------");
        List<String> stored = jdbc.queryForList("SELECT token_hash FROM setup_token", String.class);
        assertThat(stored).containsExactly(SecretTokens.hash(token));
    }

    @Test
    @Order(2)
    void theFirstSignUpWithoutTheTokenIsRefusedAndCreatesNothing() {
        SpApiException missing = problem(() -> anonymous().signUp(
                new SignUp(uniqueEmail("squatter"), PASSWORD, "Sq", "Uatter", null, "Mine now")));
        assertProblem(missing, 403, "setup-token-required");

        SpApiException wrong = problem(() -> anonymous().signUp(
                SignUp.firstAdmin(uniqueEmail("guesser"), PASSWORD, "Gu", "Esser", "Mine now", SecretTokens.newToken())));
        assertProblem(wrong, 403, "setup-token-invalid");
        SpApiException garbage = problem(() -> anonymous().signUp(
                SignUp.firstAdmin(uniqueEmail("guesser"), PASSWORD, "Gu", "Esser", "Mine now", "' OR 1=1 --")));
        assertProblem(garbage, 403, "setup-token-invalid");

        assertThat(count("organizations")).isZero();
        assertThat(count("users")).isZero();
        assertThat(count("setup_token")).isEqualTo(1);
    }

    @Test
    @Order(3)
    void aRestartKeepsTheTokenTheOperatorHasAndALostFileGetsANewOne() throws Exception {
        String before = setupToken();
        setupToken.afterSingletonsInstantiated();
        assertThat(setupToken()).isEqualTo(before);

        Files.delete(setupToken.file());
        setupToken.afterSingletonsInstantiated();
        String renewed = setupToken();
        assertThat(renewed).isNotEqualTo(before);
        assertThat(jdbc.queryForList("SELECT token_hash FROM setup_token", String.class))
                .containsExactly(SecretTokens.hash(renewed));
        SpApiException old = problem(() -> anonymous().signUp(
                SignUp.firstAdmin(uniqueEmail("late"), PASSWORD, "La", "Te", "Org", before)));
        assertProblem(old, 403, "setup-token-invalid");
    }

    @Test
    @Order(4)
    void twoFirstSignUpsWithTheTokenAtOnceMakeOneAdminAndTheTokenIsThenUsedUp() throws Exception {
        String token = setupToken();
        List<Callable<Object>> attempts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String email = uniqueEmail("first-" + i);
            attempts.add(() -> {
                try {
                    return anonymous().signUp(SignUp.firstAdmin(email, PASSWORD, "Fi", "Rst", "Setup Org", token));
                } catch (SpApiException e) {
                    return e;
                }
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Object> outcomes = new ArrayList<>();
        try {
            for (Future<Object> f : pool.invokeAll(attempts)) {
                outcomes.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        List<User> admins = outcomes.stream().filter(User.class::isInstance).map(User.class::cast).toList();
        List<SpApiException> refused = outcomes.stream().filter(SpApiException.class::isInstance)
                .map(SpApiException.class::cast).toList();
        assertThat(admins).hasSize(1);
        assertThat(admins.getFirst().role()).isEqualTo("ADMIN");
        assertThat(refused).hasSize(1);
        assertThat(refused.getFirst().status()).isEqualTo(403);
        assertThat(refused.getFirst().type()).isIn("urn:aero:problem:setup-token-invalid", "urn:aero:problem:setup-token-used");

        assertThat(count("setup_token")).isZero();
        assertThat(Files.exists(setupToken.file())).isFalse();
        assertThat(count("users")).isEqualTo(1);

        SpApiException again = problem(() -> anonymous().signUp(
                SignUp.firstAdmin(uniqueEmail("second"), PASSWORD, "Se", "Cond", null, token)));
        assertProblem(again, 403, "setup-token-used");

        // A restart after the admin exists makes no new token.
        setupToken.afterSingletonsInstantiated();
        assertThat(Files.exists(setupToken.file())).isFalse();
        assertThat(count("setup_token")).isZero();
    }
}
