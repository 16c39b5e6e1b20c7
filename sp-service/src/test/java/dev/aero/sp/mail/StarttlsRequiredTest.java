package dev.aero.sp.mail;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.icegreen.greenmail.junit5.GreenMailExtension;

import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;
import dev.aero.sp.TestMail;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * SP configured to sign in to its relay, which offers no STARTTLS (a plain in-process server):
 * the default ({@code aero.sp.smtp.starttls-required=auto}) keeps the password and the mail off
 * the wire, and the request that asked for the mail still succeeds.
 */
@SpServiceTest
@ExtendWith(OutputCaptureExtension.class)
class StarttlsRequiredTest extends SpTestSupport {

    static final TestMail MAIL = new TestMail();

    @RegisterExtension
    static final GreenMailExtension SMTP = MAIL.server();

    @Autowired
    MeterRegistry meters;

    @DynamicPropertySource
    static void mail(DynamicPropertyRegistry registry) {
        MAIL.configure(registry);
        registry.add("spring.mail.username", () -> "relay-user");
        registry.add("spring.mail.password", () -> "relay-secret");
    }

    @Test
    void anInvitationSucceedsWhileItsMailIsRefusedForWantOfStarttls(CapturedOutput output) throws Exception {
        String invitee = uniqueEmail("invitee");

        String code = admin().client().invite(invitee).invitationCode();

        assertThat(code).as("the invitation is made and its code returned").isNotBlank();
        String expected = "Could not send invitation mail to " + invitee + ": STARTTLS is required";
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!output.getAll().contains(expected) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(output.getAll()).contains(expected).doesNotContain("relay-secret");
        assertThat(meters.counter("aero.sp.mail", "kind", "invitation", "result", "failed").count()).isPositive();
        assertThat(MAIL.received()).as("nothing reached the relay").isEmpty();
    }
}
