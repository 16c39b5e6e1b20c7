package dev.aero.devman.checkin;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;

import dev.aero.common.concurrent.Retry;
import dev.aero.common.tls.DeviceTlsSettings;
import dev.aero.common.tls.ServiceCertificateEnrollment;

/**
 * The platform CA for check-ins through a trusted proxy when devman runs no device listener of
 * its own ({@code device-tls.enabled=false}): the listener is otherwise what tells devman the CA,
 * and without it every forwarded certificate would be answered 503 for want of a CRL. The CA
 * comes from {@code device-tls.ca-certificate-file} or from SP, retried until it is there and
 * its CRL has been read (as {@link DeviceCertificates#trust} does for the listener too).
 */
public final class CaWithoutListener implements ApplicationListener<ApplicationReadyEvent>, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(CaWithoutListener.class);

    private final DeviceTlsSettings settings;
    private final URI spUrl;
    private final HttpClient http;
    private final DeviceCertificates certificates;
    private volatile boolean stopped;

    public CaWithoutListener(DeviceTlsSettings settings, URI spUrl, HttpClient http, DeviceCertificates certificates) {
        this.settings = settings;
        this.spUrl = spUrl;
        this.http = http;
        this.certificates = certificates;
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        if (settings.enabled()) {
            return;
        }
        Retry.inBackground("checkin-ca", Duration.ofMillis(500), Duration.ofSeconds(10), () -> stopped, () -> {
            certificates.trust(ServiceCertificateEnrollment.ca(http, spUrl, settings.caCertificateFile()));
            log.info("platform CA known; check-ins through trusted proxies are verified against it");
        }, (e, next) -> log.warn("platform CA not known yet ({}); retrying in {} ms", e.toString(), next));
    }

    @Override
    public void destroy() {
        stopped = true;
    }
}
