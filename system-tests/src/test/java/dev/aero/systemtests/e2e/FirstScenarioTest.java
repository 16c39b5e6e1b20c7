package dev.aero.systemtests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import tools.jackson.databind.JsonNode;

/**
 * The end-to-end scenarios ({@link FirstScenario}) against the platform the launcher runs
 * natively: {@code ./aero up --native --dev-mail} as a named instance of its own, every port
 * shifted by {@value LauncherInstance#OFFSET}; and, natively only, the mail catcher.
 */
class FirstScenarioTest extends FirstScenario {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    static void startPlatform() throws Exception {
        begin(new LauncherInstance(LauncherInstance.repositoryRoot(), Path.of("target", "e2e", "launcher.log").toAbsolutePath()));
    }

    @Test
    void anInvitationMailReachesTheInviteeThroughTheMailCatcher() throws Exception {
        URI catcher = platform.mailCatcher().orElseThrow();
        String email = "e2e-mailed-" + System.nanoTime() + "@example.com";

        String code = admin().client().invite(email).invitationCode();

        // GreenMail's REST API: the mailbox exists once a mail to the address arrived (400 before).
        URI inbox = catcher.resolve("/api/user/" + email + "/messages/INBOX");
        JsonNode mail = DesktopDevice.await(() -> {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(inbox).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                JsonNode messages = r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
                return messages != null && !messages.isEmpty() ? messages.get(0) : null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, Duration.ofSeconds(30), "the invitation mail to " + email + " in the catcher");
        assertThat(mail.path("subject").asString()).isEqualTo("You are invited to E2E Org");
        assertThat(mail.path("mimeMessage").asString()).contains("To: " + email).contains(code);
    }
}
