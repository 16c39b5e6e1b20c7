package dev.aero.commands.device;

import java.net.http.HttpClient;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;

import org.apache.catalina.connector.Connector;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;

import dev.aero.commands.CommandServerProperties;
import dev.aero.common.tls.ServiceCertificateEnrollment;
import dev.aero.common.tls.ServiceCertificateEnrollment.KeyMaterial;

/**
 * The HTTPS listener on which devices reach their own queue with their certificate
 * ({@code aero.commands.device-tls}, port 9021). Client certificates must chain to the platform
 * CA; revoked ones are still accepted, since a device whose certificate was just revoked must
 * still receive and acknowledge its unlink. The listener is added to Tomcat once its key
 * material is there: from files, or enrolled with SP's CA (retried until SP answers).
 */
public final class DeviceTlsListener implements ApplicationListener<WebServerInitializedEvent> {

    private static final Logger log = LoggerFactory.getLogger(DeviceTlsListener.class);
    static final String SERVICE_NAME = "command-server";

    private final CommandServerProperties settings;
    private final HttpClient http;
    private volatile Connector connector;

    public DeviceTlsListener(CommandServerProperties settings, HttpClient http) {
        this.settings = settings;
        this.http = http;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        if (!settings.deviceTls().enabled() || !(event.getWebServer() instanceof TomcatWebServer tomcat) || connector != null) {
            return;
        }
        Thread.ofPlatform().daemon().name("device-tls-setup").start(() -> {
            long backoff = 500;
            while (true) {
                try {
                    Connector c = connector(material());
                    tomcat.getTomcat().getService().addConnector(c);
                    connector = c;
                    log.info("device HTTPS listening on {}:{}", settings.deviceTls().host(), c.getLocalPort());
                    return;
                } catch (Exception e) {
                    log.warn("device listener not up yet ({}); retrying in {} ms", e.toString(), backoff);
                    try {
                        Thread.sleep(backoff);
                    } catch (InterruptedException ie) {
                        return;
                    }
                    backoff = Math.min(backoff * 2, 10_000);
                }
            }
        });
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
        CommandServerProperties.DeviceTls tls = settings.deviceTls();
        return ServiceCertificateEnrollment.obtain(http, settings.spUrl(), SERVICE_NAME, settings.deploymentSecret(), tls.hostnames(),
                tls.certificateFile(), tls.privateKeyFile(), tls.caCertificateFile());
    }

    private Connector connector(KeyMaterial m) throws Exception {
        char[] password = "device-tls".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", m.key(), password, m.chain().toArray(X509Certificate[]::new));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("platform-ca", m.ca());

        Connector c = new Connector(Http11NioProtocol.class.getName());
        c.setPort(settings.deviceTls().port());
        c.setScheme("https");
        c.setSecure(true);
        Http11NioProtocol protocol = (Http11NioProtocol) c.getProtocolHandler();
        protocol.setAddress(java.net.InetAddress.getByName(settings.deviceTls().host()));
        protocol.setSSLEnabled(true);
        SSLHostConfig host = new SSLHostConfig();
        host.setHostName("_default_");
        host.setProtocols("TLSv1.2+TLSv1.3");
        host.setCertificateVerification("optional");
        host.setTrustStore(trust);
        SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(host,
                m.key().getAlgorithm().equals("EC") ? SSLHostConfigCertificate.Type.EC : SSLHostConfigCertificate.Type.RSA);
        certificate.setCertificateKeystore(keys);
        certificate.setCertificateKeystorePassword(new String(password));
        certificate.setCertificateKeyAlias("server");
        host.addCertificate(certificate);
        protocol.addSslHostConfig(host);
        return c;
    }
}
