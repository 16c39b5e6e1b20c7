package dev.aero.sp.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.icegreen.greenmail.junit5.GreenMailExtension;

import dev.aero.client.sp.SignUp;
import dev.aero.client.sp.SpApiException;
import dev.aero.client.sp.SpClient;
import dev.aero.client.sp.User;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;
import dev.aero.sp.TestMail;
import jakarta.mail.internet.MimeMessage;

@SpServiceTest
class AccountFlowTest extends SpTestSupport {

    static final TestMail MAIL = new TestMail();

    @RegisterExtension
    static final GreenMailExtension SMTP = MAIL.server();

    @DynamicPropertySource
    static void mail(DynamicPropertyRegistry registry) {
        MAIL.configure(registry);
    }

    @Test
    void firstUserCreatesTheOrganizationAndIsItsAdmin() {
        User me = admin().client().me();
        assertThat(me.role()).isEqualTo("ADMIN");
        assertThat(me.organizationId()).isEqualTo("1");
        assertThat(admin().client().organization().name()).isEqualTo("Test Org");
    }

    @Test
    void laterSignUpWithoutInvitationIsRefusedWhenSignUpIsClosed() {
        admin();
        int users = count("users");
        SpApiException e = problem(() -> anonymous().signUp(new SignUp(uniqueEmail("walk-in"), PASSWORD, "W", "I")));
        assertProblem(e, 403, "invitation-required");
        assertThat(count("users")).isEqualTo(users);
    }

    @Test
    void invitedUserSignsUpWithTheMailedCodeAsUser() throws Exception {
        String email = uniqueEmail("invitee");
        String returned = admin().client().invite(email).invitationCode();
        MimeMessage mail = awaitMailTo(email, "invited");
        String body = String.valueOf(mail.getContent());
        assertThat(body).contains(returned);

        User user = anonymous().signUp(new SignUp(email, PASSWORD, "Ivy", "Invitee", returned, null));
        assertThat(user.role()).isEqualTo("USER");
        assertThat(user.userId().value()).isEqualTo(email.toLowerCase());
    }

    @Test
    void invitationCodeIsSingleUseAndBoundToItsAddress() {
        String email = uniqueEmail("bound");
        String code = admin().client().invite(email).invitationCode();
        SpApiException other = problem(() -> anonymous().signUp(new SignUp(uniqueEmail("thief"), PASSWORD, "T", "T", code, null)));
        assertProblem(other, 403, "invitation-invalid");
        anonymous().signUp(new SignUp(email, PASSWORD, "B", "B", code, null));
        SpApiException reuse = problem(() -> anonymous().signUp(new SignUp(uniqueEmail("again"), PASSWORD, "A", "A", code, null)));
        assertProblem(reuse, 403, "invitation-invalid");
    }

    @Test
    void emailIsCaseInsensitiveAndAccountsAreUnique() {
        Account m = member("Casey");
        SpApiException e = problem(() -> anonymous().signUp(new SignUp(m.email().toUpperCase(), PASSWORD, "C", "C")));
        assertProblem(e, 409, "user-exists");
        assertThat(signIn(m.email().toUpperCase(), PASSWORD).client().me().userId().value()).isEqualTo(m.email().toLowerCase());
    }

    @Test
    void signInReturnsAnOpaqueTokenOfAtLeast128BitsStoredOnlyAsAHash() {
        Account m = member("token");
        var session = anonymous().signIn(m.email(), PASSWORD);
        assertThat(session.token()).matches("[A-Za-z0-9_-]{43}");
        assertThat(session.expiresAt()).isAfter(Instant.now().plusSeconds(3600));
        List<String> stored = jdbc.queryForList("SELECT token_hash FROM sessions", String.class);
        assertThat(stored).doesNotContain(session.token()).contains(SecretTokens.hash(session.token()));
    }

    @Test
    void wrongPasswordAndUnknownAccountGetTheSameAnswer() {
        Account m = member("wrong");
        SpApiException wrong = problem(() -> anonymous().signIn(m.email(), "not the password"));
        SpApiException unknown = problem(() -> anonymous().signIn(uniqueEmail("nobody"), PASSWORD));
        assertProblem(wrong, 401, "invalid-credentials");
        assertProblem(unknown, 401, "invalid-credentials");
        assertThat(wrong.detail()).isEqualTo(unknown.detail());
    }

    @Test
    void signOutEndsTheSessionOnly() {
        Account m = member("signout");
        SpClient second = anonymous().withToken(anonymous().signIn(m.email(), PASSWORD).token());
        m.client().signOut();
        assertProblem(problem(() -> m.client().me()), 401, "invalid-token");
        assertThat(second.me().userId().value()).isEqualTo(m.email());
    }

    @Test
    void expiredSessionIsRefused() {
        Account m = member("expired");
        jdbc.update("UPDATE sessions SET expires_at = ? WHERE user_id = ?", Timestamp.from(Instant.now().minusSeconds(1)), m.email());
        assertProblem(problem(() -> m.client().me()), 401, "invalid-token");
    }

    @Test
    void missingOrMalformedAuthorizationIsRefused() throws Exception {
        assertProblemResponse(raw("GET", "/api/v1/users/me", null, null, null), 401);
        assertProblemResponse(raw("GET", "/api/v1/users/me", null, null, "x'; DROP TABLE users; --"), 401);
        assertThat(raw("GET", "/api/v1/users/me", null, null, null).headers().firstValue("WWW-Authenticate")).isPresent();
    }

    @Test
    void profileNamesChange() {
        Account m = member("rename");
        User renamed = m.client().updateName("Renée", null);
        assertThat(renamed.firstName()).isEqualTo("Renée");
        assertThat(renamed.lastName()).isEqualTo("Member");
        assertThat(m.client().me().firstName()).isEqualTo("Renée");
    }

    @Test
    void passwordChangeNeedsTheOldPasswordAndSignsOutOtherSessions() {
        Account m = member("pwchange");
        SpClient other = anonymous().withToken(anonymous().signIn(m.email(), PASSWORD).token());
        assertProblem(problem(() -> m.client().changePassword("wrong old", "a new password")), 403, "password-incorrect");
        assertProblem(problem(() -> m.client().changePassword(PASSWORD, "short")), 400, "password-rejected");

        m.client().changePassword(PASSWORD, "a new password");
        assertThat(m.client().me().userId().value()).isEqualTo(m.email());
        assertProblem(problem(other::me), 401, "invalid-token");
        assertProblem(problem(() -> anonymous().signIn(m.email(), PASSWORD)), 401, "invalid-credentials");
        assertThat(anonymous().signIn(m.email(), "a new password").token()).isNotBlank();
    }

    @Test
    void passwordColumnHoldsOnlyArgon2idHashes() {
        Account m = member("hash");
        String stored = jdbc.queryForObject("SELECT password_hash FROM users WHERE id = ?", String.class, m.email());
        assertThat(stored).startsWith("$argon2id$v=19$").doesNotContain(PASSWORD);
        List<String> all = jdbc.queryForList("SELECT password_hash FROM users WHERE password_hash IS NOT NULL", String.class);
        assertThat(all).allSatisfy(h -> assertThat(h).startsWith("$argon2id$").doesNotContain(PASSWORD));
        assertThat(all).doesNotHaveDuplicates();
    }

    @Test
    void passwordResetByMailIsSingleUseAndEndsEverySession() throws Exception {
        Account m = member("reset");
        anonymous().requestPasswordReset(m.email());
        String token = tokenFrom(awaitMailTo(m.email(), "Reset"));

        anonymous().resetPassword(token, "reset password 1");
        assertProblem(problem(() -> m.client().me()), 401, "invalid-token");
        assertThat(anonymous().signIn(m.email(), "reset password 1").token()).isNotBlank();
        assertProblem(problem(() -> anonymous().resetPassword(token, "reset password 2")), 400, "reset-token-invalid");
        assertThat(jdbc.queryForList("SELECT token_hash FROM password_resets", String.class)).doesNotContain(token);
    }

    @Test
    void expiredResetTokenIsRefused() throws Exception {
        Account m = member("reset-expired");
        anonymous().requestPasswordReset(m.email());
        String token = tokenFrom(awaitMailTo(m.email(), "Reset"));
        jdbc.update("UPDATE password_resets SET expires_at = ? WHERE user_id = ?", Timestamp.from(Instant.now().minusSeconds(1)),
                m.email());
        assertProblem(problem(() -> anonymous().resetPassword(token, "reset password 3")), 400, "reset-token-invalid");
        assertThat(anonymous().signIn(m.email(), PASSWORD).token()).isNotBlank();
    }

    @Test
    void resetForAnUnknownAddressLooksTheSameAndSendsNothing() throws Exception {
        String nobody = uniqueEmail("ghost");
        anonymous().requestPasswordReset(nobody);
        Thread.sleep(300);
        for (MimeMessage message : MAIL.received()) {
            assertThat(message.getAllRecipients()[0].toString()).isNotEqualTo(nobody);
        }
    }

    private static MimeMessage awaitMailTo(String email) throws Exception {
        return awaitMailTo(email, "");
    }

    private static MimeMessage awaitMailTo(String email, String subject) throws Exception {
        return MAIL.awaitMailTo(email, subject);
    }

    private static String tokenFrom(MimeMessage mail) throws Exception {
        Matcher m = Pattern.compile("token=([A-Za-z0-9_-]{43})").matcher(String.valueOf(mail.getContent()));
        assertThat(m.find()).as("reset link in the mail: %s", mail.getContent()).isTrue();
        return m.group(1);
    }
}
