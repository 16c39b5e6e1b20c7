package dev.aero.common.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway platform CA for tests: a server certificate for the SSMP listener, device
 * certificates shaped like SP's (CN = device id, rfc822Name = user id), and a CRL file that
 * verkehr follows through a {@code file:} URL.
 */
public final class TestPki {

    private final KeyPair caKeys;
    private final X509Certificate ca;
    private final Path dir;
    private final AtomicLong serials = new AtomicLong(1000);
    private final AtomicLong crlNumber = new AtomicLong();

    public TestPki(Path dir) throws Exception {
        this.dir = dir;
        Files.createDirectories(dir);
        caKeys = ecKeys();
        X500Name name = new X500Name("CN=Test Platform CA");
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, Date.from(now.minusSeconds(60)),
                Date.from(now.plus(Duration.ofDays(30))), name, caKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        ca = sign(b);
        Files.writeString(caFile(), pem(ca));
        revoke();
        Credentials server = issue("verkehr-push", List.of(new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")), KeyPurposeId.id_kp_serverAuth, Duration.ofDays(10));
        Files.writeString(dir.resolve("server.pem"), pem(server.certificate()));
        Files.writeString(dir.resolve("server.key"), "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(server.key().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    }

    public record Credentials(PrivateKey key, X509Certificate certificate) {
        public BigInteger serial() {
            return certificate.getSerialNumber();
        }
    }

    public Path caFile() {
        return dir.resolve("ca.pem");
    }

    public Path crlFile() {
        return dir.resolve("crl.der");
    }

    public Path serverCertificateFile() {
        return dir.resolve("server.pem");
    }

    public Path serverKeyFile() {
        return dir.resolve("server.key");
    }

    public X509Certificate ca() {
        return ca;
    }

    /** A device certificate as SP issues it. */
    public Credentials device(String did, String userId) throws Exception {
        return issue(did, List.of(new GeneralName(GeneralName.rfc822Name, userId)), KeyPurposeId.id_kp_clientAuth, Duration.ofDays(1));
    }

    /** A certificate from another CA with the same names: the handshake must refuse it. */
    public static Credentials foreign(String cn) throws Exception {
        return new TestPki(Files.createTempDirectory("foreign-ca")).issue(cn, List.of(), KeyPurposeId.id_kp_clientAuth, Duration.ofDays(1));
    }

    private Credentials issue(String cn, List<GeneralName> sans, KeyPurposeId purpose, Duration validity) throws Exception {
        KeyPair keys = ecKeys();
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, BigInteger.valueOf(serials.incrementAndGet()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(validity)), new X500Name("CN=" + cn), keys.getPublic());
        if (!sans.isEmpty()) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        }
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        return new Credentials(keys.getPrivate(), sign(b));
    }

    /** Writes a new CRL listing exactly these serials. */
    public void revoke(BigInteger... serials) throws Exception {
        Instant now = Instant.now();
        X509v2CRLBuilder b = new X509v2CRLBuilder(new X500Name(ca.getSubjectX500Principal().getName()), Date.from(now));
        b.setNextUpdate(Date.from(now.plus(Duration.ofHours(1))));
        for (BigInteger s : serials) {
            b.addCRLEntry(s, Date.from(now), CRLReason.keyCompromise);
        }
        b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(crlNumber.incrementAndGet())));
        var crl = new JcaX509CRLConverter().getCRL(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
        Path tmp = dir.resolve("crl.der.tmp");
        Files.write(tmp, crl.getEncoded());
        Files.move(tmp, crlFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** A client TLS context trusting this CA, presenting {@code client} when given. */
    public SSLContext clientContext(Credentials client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (client != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("me", client.key(), "x".toCharArray(), new java.security.cert.Certificate[] {client.certificate()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "x".toCharArray());
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }

    private X509Certificate sign(X509v3CertificateBuilder b) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
    }

    private static KeyPair ecKeys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    public static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(w)) {
            writer.writeObject(o);
        }
        return w.toString();
    }

}
