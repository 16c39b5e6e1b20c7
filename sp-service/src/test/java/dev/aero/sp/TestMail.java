package dev.aero.sp;

import java.net.ServerSocket;

import org.springframework.test.context.DynamicPropertyRegistry;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;

import jakarta.mail.internet.MimeMessage;

/**
 * An in-process SMTP server (GreenMail) standing in for the mail relay in a test class:
 * {@code @RegisterExtension static final TestMail MAIL = new TestMail();} and, in the class's
 * {@code @DynamicPropertySource}, {@code MAIL.configure(registry)}.
 */
public final class TestMail {

    private final int port = freePort();
    private final GreenMailExtension server = new GreenMailExtension(new ServerSetup(port, "127.0.0.1", "smtp"))
            .withPerMethodLifecycle(false);

    /** The JUnit extension that runs the server for the class. */
    public GreenMailExtension server() {
        return server;
    }

    /** Points SP's mail settings at the server. */
    public void configure(DynamicPropertyRegistry registry) {
        registry.add("spring.mail.host", () -> "127.0.0.1");
        registry.add("spring.mail.port", () -> port);
    }

    /** The first mail to {@code email} whose subject contains {@code subject}, waiting up to 10 s. */
    public MimeMessage awaitMailTo(String email, String subject) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (MimeMessage message : server.getReceivedMessages()) {
                if (message.getAllRecipients()[0].toString().equalsIgnoreCase(email) && message.getSubject().contains(subject)) {
                    return message;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no mail to " + email);
    }

    public MimeMessage[] received() {
        return server.getReceivedMessages();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
