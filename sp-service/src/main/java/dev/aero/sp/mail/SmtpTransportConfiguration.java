package dev.aero.sp.mail;

import java.time.Duration;
import java.util.Properties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.util.StringUtils;

/**
 * Gives the mail sender Boot makes from {@code spring.mail.*} the transport security and
 * timeouts of {@link SmtpProperties}, as JavaMail properties. A property set explicitly under
 * {@code spring.mail.properties} wins, so an operator keeps JavaMail's every knob.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SmtpProperties.class)
class SmtpTransportConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SmtpTransportConfiguration.class);

    // Static, and the settings looked up lazily: a post-processor is made before other beans.
    @Bean
    static BeanPostProcessor smtpTransportSecurity(ObjectProvider<SmtpProperties> properties) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String beanName) {
                if (bean instanceof JavaMailSenderImpl sender) {
                    apply(properties.getObject(), sender);
                }
                return bean;
            }
        };
    }

    static void apply(SmtpProperties smtp, JavaMailSenderImpl sender) {
        boolean signsIn = StringUtils.hasText(sender.getUsername());
        javaMailProperties(smtp, signsIn).forEach(sender.getJavaMailProperties()::putIfAbsent);
        if (StringUtils.hasText(sender.getHost())) {
                log.info("SMTP relay {}:{}: {}{}", sender.getHost(), sender.getPort(), describe(smtp, signsIn),
                    signsIn ? ", signing in as " + sender.getUsername() : "");
        }
    }

    /** JavaMail's properties for the settings, for a sender that signs in to the relay or not. */
    static Properties javaMailProperties(SmtpProperties smtp, boolean signsIn) {
        Properties properties = new Properties();
        properties.setProperty("mail.smtp.connectiontimeout", millis(smtp.connectTimeout()));
        properties.setProperty("mail.smtp.timeout", millis(smtp.timeout()));
        properties.setProperty("mail.smtp.writetimeout", millis(smtp.timeout()));
        properties.setProperty("mail.smtp.auth", String.valueOf(signsIn));
        properties.setProperty("mail.smtp.ssl.enable", String.valueOf(smtp.tls()));
        boolean required = smtp.requiresStarttls(signsIn);
        // JavaMail refuses STARTTLS on a connection that is TLS already.
        properties.setProperty("mail.smtp.starttls.enable", String.valueOf(!smtp.tls() && (smtp.starttls() || required)));
        properties.setProperty("mail.smtp.starttls.required", String.valueOf(required));
        // JavaMail checks the certificate against the trust store; that it names the host, only when asked.
        properties.setProperty("mail.smtp.ssl.checkserveridentity", "true");
        return properties;
    }

    private static String describe(SmtpProperties smtp, boolean signsIn) {
        if (smtp.tls()) {
            return "implicit TLS";
        }
        if (smtp.requiresStarttls(signsIn)) {
            return "STARTTLS required";
        }
        return smtp.starttls() ? "STARTTLS when offered" : "no TLS";
    }

    private static String millis(Duration duration) {
        return String.valueOf(duration.toMillis());
    }
}
