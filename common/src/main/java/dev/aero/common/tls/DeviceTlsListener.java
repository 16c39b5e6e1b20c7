package dev.aero.common.tls;

import java.net.URI;
import java.net.http.HttpClient;
import java.security.KeyStore;
import java.time.Duration;
import java.util.function.Consumer;

import org.apache.catalina.connector.Connector;
import org.apache.coyote.http11.Http11NioProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;

import dev.aero.common.concurrent.Retry;
import dev.aero.common.tls.ServiceCertificateEnrollment.KeyMaterial;

/**
 * A service's HTTPS listener for devices (command-server's queue on 9021, devman's check-in on
 * 8702): a second Tomcat connector whose client certificates must chain to the platform CA.
 * Revocation is each service's own decision (command-server accepts revoked certificates for
 * the device's own queue; devman refuses them). The connector is added once its key material
 * is there: from files, or enrolled with SP's CA (retried until SP answers); {@code onReady}
 * then gets that material (e.g. to trust its CA for the CRL); if it throws, the listener stays
 * closed and the whole attempt is retried. As a health indicator it is DOWN
 * until the connector listens, so a service is not reported ready while devices would be
 * refused (SP may start after the service, and enrollment waits for it).
 */
public final class DeviceTlsListener implements ApplicationListener<WebServerInitializedEvent>, HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(DeviceTlsListener.class);

    private final String service;
    private final DeviceTlsSettings settings;
    private final URI spUrl;
    private final String deploymentSecret;
    private final HttpClient http;
    private final Consumer<KeyMaterial> onReady;
    private volatile Connector connector;
    /** Set by the first server event taken: the connector is set up once, whatever events follow. */
    private final java.util.concurrent.atomic.AtomicBoolean settingUp = new java.util.concurrent.atomic.AtomicBoolean();

    public DeviceTlsListener(String service, DeviceTlsSettings settings, URI spUrl, String deploymentSecret, HttpClient http,
            Consumer<KeyMaterial> onReady) {
        this.service = service;
        this.settings = settings;
        this.spUrl = spUrl;
        this.deploymentSecret = deploymentSecret;
        this.http = http;
        this.onReady = onReady;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        if (!settings.enabled() || !(event.getWebServer() instanceof TomcatWebServer tomcat)
                || WebServerApplicationContext.hasServerNamespace(event.getApplicationContext(), "management")) {
            // The management server (actuator, on a port of its own, in a child context whose
            // events reach this listener too) has no device endpoints: a device connector there
            // would answer every device request with 404.
            return;
        }
        if (!settingUp.compareAndSet(false, true)) {
            // Already being set up (in the background, from an earlier event): a second connector
            // on the same port would fail to bind, again and again.
            return;
        }
        log.info("device HTTPS: setting up beside the web server on port {}", event.getWebServer().getPort());
        Retry.inBackground("device-tls-setup", Duration.ofMillis(500), Duration.ofSeconds(10),
                () -> !tomcat.getTomcat().getServer().getState().isAvailable(), () -> {
            KeyMaterial material = material();
            Connector c = connector(material);
            onReady.accept(material);
            tomcat.getTomcat().getService().addConnector(c);
            if (c.getLocalPort() <= 0) {
                // Tomcat logs a connector that cannot bind and carries on without it: take it
                // out and try again (with backoff) rather than report a listener that is not there.
                tomcat.getTomcat().getService().removeConnector(c);
                throw new IllegalStateException("the device connector could not listen on " + settings.host() + ":" + settings.port());
            }
            connector = c;
            log.info("device HTTPS listening on {}:{}", settings.host(), c.getLocalPort());
        }, (e, next) -> log.warn("device listener not up yet ({}); retrying in {} ms", e.toString(), next));
    }

    @Override
    public Health health() {
        if (!settings.enabled()) {
            return Health.up().withDetail("listener", "disabled").build();
        }
        return connector != null ? Health.up().build()
                : Health.down().withDetail("reason", "no key material yet (enrolling with SP)").build();
    }

    /** The bound port once listening, else -1. */
    public int port() {
        Connector c = connector;
        return c == null ? -1 : c.getLocalPort();
    }

    public boolean awaitListening(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (port() <= 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return port() > 0;
    }

    /** Configured files, or enrollment with SP's CA. */
    private KeyMaterial material() throws Exception {
        return ServiceCertificateEnrollment.obtain(http, spUrl, service, deploymentSecret, settings.hostnames(),
                settings.certificateFile(), settings.privateKeyFile(), settings.caCertificateFile());
    }

    private Connector connector(KeyMaterial m) throws Exception {
        KeyStore trust = CaTrust.keyStore(m.ca());
        Connector c = ClientCertificateConnector.build(java.net.InetAddress.getByName(settings.host()), settings.port(), m.key(),
                m.chain(), host -> host.setTrustStore(trust));
        // Devices keep their connection between calls (a check-in every interval): no request
        // limit per connection, and the idle time and connection count from the settings.
        Http11NioProtocol protocol = (Http11NioProtocol) c.getProtocolHandler();
        protocol.setKeepAliveTimeout((int) settings.keepAlive().toMillis());
        protocol.setMaxKeepAliveRequests(-1);
        protocol.setMaxConnections(settings.maxConnections());
        return c;
    }
}
