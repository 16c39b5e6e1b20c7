package dev.aero.client.device;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Objects;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import dev.aero.common.id.DID;
import dev.aero.common.tls.CaTrust;

/**
 * A device's key pair and what is made from it: the certification request SP signs
 * ({@code POST /devices}, {@code POST /devices/{did}/certificate}) and, once SP has answered
 * with a certificate, the TLS context the device speaks to the platform with.
 */
public final class DeviceKeys {

    private static final String CSR_LABEL = "CERTIFICATE REQUEST";
    // The key store lives only in memory for the duration of sslContext(); its password guards nothing.
    private static final char[] KEY_STORE_PASSWORD = "device".toCharArray();

    private final KeyPair keyPair;
    private final String signatureAlgorithm;

    private DeviceKeys(KeyPair keyPair, String signatureAlgorithm) {
        this.keyPair = keyPair;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    /** A new EC P-256 (secp256r1) key pair: what devices use. */
    public static DeviceKeys generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return of(generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make EC P-256 keys", e);
        }
    }

    /** A new RSA key pair of {@code bits} bits, for tests and interoperability. */
    public static DeviceKeys generateRsa(int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(bits);
            return of(generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make RSA keys", e);
        }
    }

    /** Keys kept from an earlier run; EC and RSA key pairs are supported. */
    public static DeviceKeys of(KeyPair keyPair) {
        Objects.requireNonNull(keyPair, "keyPair");
        String algorithm = keyPair.getPrivate().getAlgorithm();
        return switch (algorithm) {
            case "EC", "ECDSA" -> new DeviceKeys(keyPair, "SHA256withECDSA");
            case "RSA" -> new DeviceKeys(keyPair, "SHA256withRSA");
            default -> throw new IllegalArgumentException("unsupported key algorithm " + algorithm + "; expected EC or RSA");
        };
    }

    public KeyPair keyPair() {
        return keyPair;
    }

    /** A PKCS#10 request in PEM whose subject is exactly {@code CN=<device id hex>}, as SP requires. */
    public String certificationRequestPem(DID device) {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, device.hex()).build();
        try {
            ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm).build(keyPair.getPrivate());
            byte[] der = new JcaPKCS10CertificationRequestBuilder(subject, keyPair.getPublic()).build(signer).getEncoded();
            return Pem.encode(CSR_LABEL, der);
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot sign a certification request with " + signatureAlgorithm, e);
        }
    }

    /**
     * A TLS client context that presents {@code certificatePem} (the certificate SP issued for
     * these keys) and trusts only {@code caCertificatePem}, the platform CA that also issues the
     * servers' certificates.
     *
     * @throws IllegalArgumentException if either text is not a certificate, or the device
     *         certificate is for another key
     */
    public SSLContext sslContext(String certificatePem, String caCertificatePem) {
        X509Certificate certificate = Pem.parseCertificate(certificatePem);
        X509Certificate ca = Pem.parseCertificate(caCertificatePem);
        // A mismatch would otherwise surface only as a failed handshake on the server side.
        if (!certificate.getPublicKey().equals(keyPair.getPublic())) {
            throw new IllegalArgumentException("the certificate for " + certificate.getSubjectX500Principal()
                    + " is not for this device's key");
        }
        try {
            KeyStore identity = emptyKeyStore();
            identity.setKeyEntry("device", keyPair.getPrivate(), KEY_STORE_PASSWORD, new Certificate[] {certificate});
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("PKIX");
            keyManagers.init(identity, KEY_STORE_PASSWORD);

            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), CaTrust.trustManagers(ca), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the device's TLS context", e);
        }
    }

    private static KeyStore emptyKeyStore() throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }
}
