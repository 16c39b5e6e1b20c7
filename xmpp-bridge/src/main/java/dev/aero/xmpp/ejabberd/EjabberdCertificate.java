package dev.aero.xmpp.ejabberd;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.aero.common.files.PrivateFiles;
import dev.aero.common.tls.ServiceCertificateEnrollment;

/**
 * Keeps ejabberd's c2s certificate from the platform CA: when the file ejabberd's
 * {@code certfiles} names holds no certificate of the platform CA for the domain, or one with
 * less than a third of its life left, the bridge enrolls a new key and certificate with SP (for
 * the domain and {@code localhost}), writes them there (key and chain, PEM, mode 0600, replaced
 * at once) and has ejabberd reload its configuration, which reads certificate files again.
 * Devices then check ejabberd against the platform CA they got at registration.
 */
public class EjabberdCertificate implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(EjabberdCertificate.class);

    private final Path file;
    private final URI spUrl;
    private final String deploymentSecret;
    private final List<String> hostnames;
    private final EjabberdApi ejabberd;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ScheduledExecutorService executor;
    private volatile boolean running;

    public EjabberdCertificate(Path file, URI spUrl, String deploymentSecret, String domain, EjabberdApi ejabberd, Clock clock) {
        this.file = file;
        this.spUrl = spUrl;
        this.deploymentSecret = deploymentSecret;
        this.hostnames = List.of(domain, "localhost");
        this.ejabberd = ejabberd;
        this.clock = clock;
    }

    /** Makes sure ejabberd serves a current certificate of the platform CA; returns the CA. */
    public synchronized X509Certificate ensure() throws IOException, GeneralSecurityException, InterruptedException {
        X509Certificate ca = ServiceCertificateEnrollment.fetchCa(http, spUrl);
        if (current(ca)) {
            return ca;
        }
        ServiceCertificateEnrollment.KeyMaterial issued = ServiceCertificateEnrollment.enroll(http, spUrl, "xmpp-bridge", deploymentSecret,
                hostnames, ca);
        StringWriter pem = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
            for (X509Certificate c : issued.chain()) {
                writer.writeObject(c);
            }
            writer.writeObject(new PemObject("PRIVATE KEY", withPublicKey(issued.key(), issued.chain().getFirst().getPublicKey())));
        }
        // ejabberd reads a certificate file again only when its modification time moved: make sure it does.
        Instant before = Files.exists(file) ? Files.getLastModifiedTime(file).toInstant() : Instant.EPOCH;
        PrivateFiles.write(file, pem.toString(), true);
        Instant now = clock.instant();
        Files.setLastModifiedTime(file, FileTime.from(now.isAfter(before.plusSeconds(1)) ? now : before.plusSeconds(2)));
        ejabberd.reloadConfig();
        log.info("ejabberd's certificate for {} renewed from the platform CA, valid until {}", hostnames, issued.notAfter());
        return ca;
    }

    /** Checks every hour (the certificate is renewed with a third of its life left). */
    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        executor = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("ejabberd-certificate").daemon().unstarted(r));
        executor.scheduleWithFixedDelay(() -> {
            try {
                ensure();
            } catch (Exception e) {
                log.warn("ejabberd's certificate not checked ({}); trying again in an hour", e.toString());
            }
        }, 1, 1, TimeUnit.HOURS);
    }

    @Override
    public synchronized void stop() {
        running = false;
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * The key as PKCS#8 with its public key inside: the JDK leaves the public key out of an EC
     * key's encoding, and ejabberd then finds no key matching the certificate.
     */
    static byte[] withPublicKey(PrivateKey key, PublicKey publicKey) throws IOException {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
        if (!(key instanceof ECPrivateKey ec)) {
            return info.getEncoded();
        }
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(publicKey.getEncoded());
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(ec.getParams().getOrder().bitLength(),
                ec.getS(), spki.getPublicKeyData(), info.getPrivateKeyAlgorithm().getParameters());
        return new PrivateKeyInfo(info.getPrivateKeyAlgorithm(), sec1).getEncoded();
    }

    /** Whether the file holds a certificate of {@code ca} with a third of its life or more left. */
    private boolean current(X509Certificate ca) {
        try {
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            int key = pem.indexOf("-----BEGIN", pem.lastIndexOf("-----END CERTIFICATE-----"));
            List<X509Certificate> chain = ServiceCertificateEnrollment.certificates(key < 0 ? pem : pem.substring(0, key));
            X509Certificate leaf = chain.getFirst();
            leaf.verify(ca.getPublicKey());
            Instant from = leaf.getNotBefore().toInstant();
            Instant until = leaf.getNotAfter().toInstant();
            Instant renewAt = until.minus(Duration.between(from, until).dividedBy(3));
            return clock.instant().isBefore(renewAt);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
