package dev.aero.sp.mail;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.mail.MailException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.aero.sp.SpProperties;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Sends SP's mails (invitations, password resets) over SMTP ({@code spring.mail.*}). A mail is
 * sent after the transaction that asked for it commits, off the request thread, so a slow or
 * absent mail server never holds up or fails the request (and {@link SmtpProperties} bounds how
 * long a sending thread waits for it). Without SMTP settings mails are
 * dropped with a warning that names the recipient only, never the secret in the mail.
 */
@Component
public class Mailer implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(Mailer.class);

    private final ObjectProvider<JavaMailSender> sender;
    private final String from;
    private final MeterRegistry meters;
    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("mail-", 0).factory());

    Mailer(ObjectProvider<JavaMailSender> sender, SpProperties properties, MeterRegistry meters) {
        this.sender = sender;
        this.from = properties.mailFrom();
        this.meters = meters;
    }

    public void send(String kind, String to, String subject, String text) {
        Runnable task = () -> executor.execute(() -> deliver(kind, to, subject, text));
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    task.run();
                }
            });
        } else {
            task.run();
        }
    }

    private void deliver(String kind, String to, String subject, String text) {
        JavaMailSender mail = sender.getIfAvailable();
        if (mail == null) {
            log.warn("No SMTP server configured (spring.mail.host): {} mail to {} not sent", kind, to);
            meters.counter("aero.sp.mail", "kind", kind, "result", "unconfigured").increment();
            return;
        }
        SimpleMailMessage message = new SimpleMailMessage();
        message.setFrom(from);
        message.setTo(to);
        message.setSubject(subject);
        message.setText(text);
        try {
            mail.send(message);
            meters.counter("aero.sp.mail", "kind", kind, "result", "sent").increment();
        } catch (MailException e) {
            log.warn("Could not send {} mail to {}: {}", kind, to, reason(e));
            meters.counter("aero.sp.mail", "kind", kind, "result", "failed").increment();
        }
    }

    /**
     * Why sending failed, in words an operator can act on: the first cause (e.g. "STARTTLS is
     * required but host does not support STARTTLS") and, when it differs, the innermost one
     * (e.g. the certificate path the trust store does not vouch for).
     */
    static String reason(MailException e) {
        Throwable first = e.getCause() == null ? e : e.getCause();
        Throwable innermost = NestedExceptionUtils.getMostSpecificCause(e);
        String reason = String.valueOf(first.getMessage());
        return innermost == first ? reason : reason + ": " + innermost.getMessage();
    }

    @Override
    public void destroy() throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }
}
