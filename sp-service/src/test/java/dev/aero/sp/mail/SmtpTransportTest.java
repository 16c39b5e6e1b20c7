package dev.aero.sp.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.mail.MailAuthenticationException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSenderImpl;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;

import dev.aero.common.testing.TestPki;
import dev.aero.sp.mail.SmtpProperties.Requirement;

/**
 * SP's mail sender, set up by {@link SmtpTransportConfiguration}, against real SMTP sessions: a
 * plain in-process relay with an account (GreenMail), and a TLS front to it ({@link TlsRelayFront})
 * with a certificate for localhost and 127.0.0.1 from a test CA. The JVM's trust store does not
 * know that CA; the tests give the sender a trust store holding it, as
 * {@code spring.mail.ssl.bundle} would.
 */
class SmtpTransportTest {

    private static final String USER = "relay-user";
    private static final String PASSWORD = "relay-secret";
    private static final int MAILBOX_PORT = freePort();

    @RegisterExtension
    static final GreenMailExtension MAILBOX = new GreenMailExtension(new ServerSetup(MAILBOX_PORT, "127.0.0.1", "smtp"))
            .withConfiguration(GreenMailConfiguration.aConfig().withUser(USER, PASSWORD));

    @TempDir
    static Path dir;

    private static TestPki pki;
    private static SSLContext frontContext;
    private TlsRelayFront front;

    @BeforeAll
    static void certificates() throws Exception {
        pki = new TestPki(dir.resolve("pki"));
        frontContext = serverContext(pki);
    }

    @AfterEach
    void closeFront() throws Exception {
        if (front != null) {
            front.close();
        }
    }

    @Test
    void starttlsIsUsedWhenOfferedAndThePasswordAndMailCrossEncrypted() throws Exception {
        front = new TlsRelayFront(TlsRelayFront.Mode.STARTTLS, frontContext, "127.0.0.1", MAILBOX_PORT);
        JavaMailSenderImpl sender = sender(settings(true, Requirement.AUTO, false), "localhost", front.port(), USER, PASSWORD, pki);

        sender.send(mail("starttls"));

        assertThat(MAILBOX.getReceivedMessages()).extracting(m -> m.getSubject()).containsExactly("starttls");
        assertThat(front.handshakes()).isEqualTo(1);
        assertThat(front.refusedInClear()).as("commands sent before the upgrade").isZero();
        assertThat(front.sentEncrypted()).contains("AUTH ").contains("Subject: starttls");
    }

    @Test
    void withStarttlsOffTheMailIsSentInClear() throws Exception {
        front = new TlsRelayFront(TlsRelayFront.Mode.STARTTLS, frontContext, "127.0.0.1", MAILBOX_PORT);
        JavaMailSenderImpl sender = sender(settings(false, Requirement.FALSE, false), "localhost", front.port(), null, null, pki);

        MailSendException e = catchThrowableOfType(MailSendException.class, () -> sender.send(mail("clear")));

        assertThat(e).as("the front refuses mail that does not come over STARTTLS").isNotNull();
        assertThat(front.refusedInClear()).isPositive();
        assertThat(front.handshakes()).isZero();
        assertThat(MAILBOX.getReceivedMessages()).isEmpty();
    }

    @Test
    void aWrongPasswordIsRefusedAndNothingIsDelivered() throws Exception {
        front = new TlsRelayFront(TlsRelayFront.Mode.STARTTLS, frontContext, "127.0.0.1", MAILBOX_PORT);
        JavaMailSenderImpl sender = sender(settings(true, Requirement.AUTO, false), "localhost", front.port(), USER, "wrong", pki);

        assertThat(catchThrowableOfType(MailAuthenticationException.class, () -> sender.send(mail("wrong password")))).isNotNull();
        assertThat(front.handshakes()).as("the password was offered encrypted").isEqualTo(1);
        assertThat(MAILBOX.getReceivedMessages()).isEmpty();
    }

    @Test
    void signingInToARelayWithoutStarttlsIsRefusedByDefault() {
        JavaMailSenderImpl sender = sender(settings(true, Requirement.AUTO, false), "127.0.0.1", MAILBOX_PORT, USER, PASSWORD, pki);

        MailSendException e = catchThrowableOfType(MailSendException.class, () -> sender.send(mail("password in clear")));

        assertThat(e).isNotNull();
        assertThat(Mailer.reason(e)).contains("STARTTLS is required");
        assertThat(MAILBOX.getReceivedMessages()).isEmpty();
    }

    @Test
    void withoutAnAccountARelayWithoutStarttlsGetsTheMailUnlessStarttlsIsRequired() {
        sender(settings(true, Requirement.AUTO, false), "127.0.0.1", MAILBOX_PORT, null, null, pki).send(mail("opportunistic"));
        assertThat(MAILBOX.getReceivedMessages()).extracting(m -> m.getSubject()).containsExactly("opportunistic");

        JavaMailSenderImpl strict = sender(settings(true, Requirement.TRUE, false), "127.0.0.1", MAILBOX_PORT, null, null, pki);
        MailSendException e = catchThrowableOfType(MailSendException.class, () -> strict.send(mail("required")));
        assertThat(Mailer.reason(e)).contains("STARTTLS is required");
        assertThat(MAILBOX.getReceivedMessages()).hasSize(1);
    }

    @Test
    void implicitTlsDeliversToARelayTheTrustStoreVouchesFor() throws Exception {
        front = new TlsRelayFront(TlsRelayFront.Mode.IMPLICIT, frontContext, "127.0.0.1", MAILBOX_PORT);
        JavaMailSenderImpl sender = sender(settings(true, Requirement.AUTO, true), "localhost", front.port(), USER, PASSWORD, pki);

        sender.send(mail("smtps"));

        assertThat(MAILBOX.getReceivedMessages()).extracting(m -> m.getSubject()).containsExactly("smtps");
        assertThat(front.handshakes()).isEqualTo(1);
        assertThat(front.sentEncrypted()).startsWith("EHLO").contains("AUTH ");
    }

    @Test
    void aRelayCertificateFromAnotherAuthorityIsRefused() throws Exception {
        front = new TlsRelayFront(TlsRelayFront.Mode.STARTTLS, frontContext, "127.0.0.1", MAILBOX_PORT);
        TestPki stranger = new TestPki(dir.resolve("stranger"));
        JavaMailSenderImpl sender = sender(settings(true, Requirement.AUTO, false), "localhost", front.port(), USER, PASSWORD, stranger);

        MailSendException e = catchThrowableOfType(MailSendException.class, () -> sender.send(mail("untrusted")));

        // The stranger's CA has the same name as the relay's: the signature check is what fails.
        assertThat(Mailer.reason(e)).contains("Could not convert socket to TLS");
        assertThat(front.handshakes()).isZero();
        assertThat(MAILBOX.getReceivedMessages()).isEmpty();
    }

    @Test
    void aRelayCertificateThatDoesNotNameTheHostIsRefused() throws Exception {
        // The certificate names localhost and 127.0.0.1; 127.0.0.2 reaches the same machine.
        front = new TlsRelayFront(TlsRelayFront.Mode.IMPLICIT, frontContext, "127.0.0.2", MAILBOX_PORT);
        JavaMailSenderImpl sender = sender(settings(true, Requirement.AUTO, true), "127.0.0.2", front.port(), USER, PASSWORD, pki);

        MailSendException e = catchThrowableOfType(MailSendException.class, () -> sender.send(mail("wrong host")));

        assertThat(e).isNotNull();
        assertThat(Mailer.reason(e)).containsIgnoringCase("127.0.0.2");
        assertThat(MAILBOX.getReceivedMessages()).isEmpty();
    }

    @Test
    void aSilentRelayFailsTheSendWithinTheTimeout() throws Exception {
        // Accepts connections (the backlog) but never greets.
        try (ServerSocket silent = new ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress())) {
            SmtpProperties quick = new SmtpProperties(true, Requirement.AUTO, false, Duration.ofSeconds(1), Duration.ofMillis(500));
            JavaMailSenderImpl sender = sender(quick, "127.0.0.1", silent.getLocalPort(), null, null, pki);
            long start = System.nanoTime();

            assertThat(catchThrowableOfType(MailSendException.class, () -> sender.send(mail("silence")))).isNotNull();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void explicitJavaMailPropertiesWinOverTheSettings() {
        JavaMailSenderImpl sender = new JavaMailSenderImpl();
        sender.setHost("relay.example");
        sender.getJavaMailProperties().setProperty("mail.smtp.starttls.enable", "false");

        SmtpTransportConfiguration.apply(settings(true, Requirement.AUTO, false), sender);

        assertThat(sender.getJavaMailProperties()).containsEntry("mail.smtp.starttls.enable", "false")
                .containsEntry("mail.smtp.timeout", "10000").containsEntry("mail.smtp.ssl.checkserveridentity", "true");
    }

    private static SmtpProperties settings(boolean starttls, Requirement required, boolean tls) {
        return new SmtpProperties(starttls, required, tls, Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    /** A sender as SP's configuration makes it, trusting the test CA of {@code trusted}. */
    private static JavaMailSenderImpl sender(SmtpProperties settings, String host, int port, String user, String password,
            TestPki trusted) {
        JavaMailSenderImpl sender = new JavaMailSenderImpl();
        sender.setHost(host);
        sender.setPort(port);
        sender.setUsername(user);
        sender.setPassword(password);
        try {
            sender.getJavaMailProperties().put("mail.smtp.ssl.socketFactory", trusted.clientContext(null).getSocketFactory());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        SmtpTransportConfiguration.apply(settings, sender);
        return sender;
    }

    private static SimpleMailMessage mail(String subject) {
        SimpleMailMessage message = new SimpleMailMessage();
        message.setFrom("Aero <no-reply@localhost>");
        message.setTo("someone@example.com");
        message.setSubject(subject);
        message.setText("hello");
        return message;
    }

    /** A server context presenting the test CA's server certificate (localhost, 127.0.0.1). */
    private static SSLContext serverContext(TestPki pki) throws Exception {
        String keyPem = Files.readString(pki.serverKeyFile()).replaceAll("-----[A-Z ]+-----|\\s", "");
        PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(keyPem)));
        Certificate certificate;
        try (var in = Files.newInputStream(pki.serverCertificateFile())) {
            certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("relay", key, new char[0], new Certificate[] {certificate, pki.ca()});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
