package dev.aero.sp.mail;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How SP's mails travel to the SMTP relay that {@code spring.mail.host}, {@code port},
 * {@code username} and {@code password} name: encrypted or not, and how long SP waits for it.
 * A relay's certificate is checked against the JVM's trust store and must name the host SP
 * connects to.
 *
 * @param starttls upgrade the connection with STARTTLS whenever the relay offers it
 * @param starttlsRequired refuse to send over a connection that was not upgraded: {@code true},
 *        {@code false}, or {@code auto}, which requires it when SP signs in to the relay (a
 *        user name is set), so that the password never crosses the network in clear
 * @param tls implicit TLS (SMTPS, usually port 465): TLS from the connection's first byte;
 *        STARTTLS does not apply then
 * @param connectTimeout how long connecting to the relay (and its TLS handshake) may take
 * @param timeout how long SP waits for one read or write on the connection
 */
@ConfigurationProperties("aero.sp.smtp")
public record SmtpProperties(
        @DefaultValue("true") boolean starttls,
        @DefaultValue("auto") Requirement starttlsRequired,
        @DefaultValue("false") boolean tls,
        @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("10s") Duration timeout) {

    /** Whether something is required: always, never, or when SP signs in. */
    public enum Requirement {
        AUTO, TRUE, FALSE;

        boolean appliesTo(boolean signsIn) {
            return this == TRUE || (this == AUTO && signsIn);
        }
    }

    /** Whether a connection that SP signs in on (or not) must have been upgraded with STARTTLS. */
    public boolean requiresStarttls(boolean signsIn) {
        return !tls && starttlsRequired.appliesTo(signsIn);
    }
}
