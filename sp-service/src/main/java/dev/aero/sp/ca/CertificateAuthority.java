package dev.aero.sp.ca;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

import javax.security.auth.x500.X500Principal;

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
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.openssl.PKCS8Generator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aero.common.files.PrivateFiles;
import dev.aero.common.id.DID;
import dev.aero.common.id.UserID;

/**
 * The platform CA: one EC P-256 key that signs device certificates, platform services'
 * certificates, SP's own TLS certificate and the CRL. The private key stays inside this object;
 * on disk it is readable by the service's user only, or encrypted when a passphrase is configured.
 */
public final class CertificateAuthority {

    static final String CERTIFICATE_FILE = "ca.crt.pem";
    static final String KEY_FILE = "ca.key.pem";
    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final Logger log = LoggerFactory.getLogger(CertificateAuthority.class);
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private final X509Certificate certificate;
    private final PrivateKey privateKey;
    private final String certificatePem;
    private final SecureRandom random = new SecureRandom();

    CertificateAuthority(X509Certificate certificate, PrivateKey privateKey) {
        this.certificate = certificate;
        this.privateKey = privateKey;
        this.certificatePem = Pem.encode(certificate);
        requireKeyMatches(certificate, privateKey);
    }

    /** Loads the configured CA, else the one in the directory, else creates it there. */
    public static CertificateAuthority loadOrCreate(CaProperties properties) {
        try {
            if (properties.configured()) {
                return load(properties.certificateFile(), properties.privateKeyFile(), properties.keyPassphrase());
            }
            Path dir = properties.directory().toAbsolutePath();
            PrivateFiles.createDirectory(dir);
            // The lock makes two SP nodes sharing a volume agree on one CA.
            try (FileChannel lockFile = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = lockFile.lock()) {
                Path cert = dir.resolve(CERTIFICATE_FILE);
                Path key = dir.resolve(KEY_FILE);
                if (Files.exists(cert) && Files.exists(key)) {
                    return load(cert, key, properties.keyPassphrase());
                }
                CertificateAuthority created = create(properties.subject(), properties.validity());
                PrivateFiles.write(key, created.privateKeyPem(properties.keyPassphrase()), false);
                Files.writeString(cert, created.certificatePem());
                log.info("Created the platform CA in {} ({}, valid until {})", dir,
                        created.certificate.getSubjectX500Principal().getName(), created.certificate.getNotAfter().toInstant());
                return created;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot load or create the platform CA: " + e.getMessage(), e);
        }
    }

    static CertificateAuthority create(String subject, Duration validity) {
        KeyPair keys = newEcKeyPair();
        Instant now = Instant.now();
        X500Name name = new X500Name(subject);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, positiveSerial(new SecureRandom()),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), name, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(builder.build(signer(keys.getPrivate())));
            return new CertificateAuthority(cert, keys.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot create the CA certificate", e);
        }
    }

    static CertificateAuthority load(Path certificateFile, Path keyFile, String passphrase) throws IOException {
        X509Certificate cert = PemReader.certificate(Files.readString(certificateFile));
        if (cert.getBasicConstraints() < 0) {
            throw new IllegalStateException(certificateFile + " is not a CA certificate (no basicConstraints CA:true)");
        }
        try {
            cert.checkValidity();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The CA certificate " + certificateFile + " is not valid now: " + e.getMessage());
        }
        PrivateKey key = readPrivateKey(Files.readString(keyFile), passphrase, keyFile);
        return new CertificateAuthority(cert, key);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public String certificatePem() {
        return certificatePem;
    }

    /** Signs a device certificate: CN = device id, SAN rfc822Name = user id, client auth only. */
    public X509Certificate issueDeviceCertificate(PublicKey key, DID device, UserID user, long serial, Instant notBefore,
            Instant notAfter) {
        return signEndEntity(device.hex(), key, new GeneralNames(new GeneralName(GeneralName.rfc822Name, user.value())),
                serial, notBefore, notAfter, KeyPurposeId.id_kp_clientAuth);
    }

    /**
     * Signs a platform service's certificate (e.g. verkehr's TLS listener): CN = service name,
     * SAN = its DNS names and addresses, server and client auth.
     */
    public X509Certificate issueServiceCertificate(PublicKey key, String serviceName, List<String> dnsNames,
            List<InetAddress> addresses, Instant notBefore, Instant notAfter) {
        return signEndEntity(serviceName, key, hostNames(dnsNames, addresses), nextSerial(), notBefore, notAfter,
                KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth);
    }

    /** A fresh key and a server certificate for the given names, e.g. for SP's own TLS listener. */
    public ServerCredentials issueServerCredentials(List<String> dnsNames, List<InetAddress> addresses, Duration validity) {
        KeyPair keys = newEcKeyPair();
        Instant now = Instant.now();
        String cn = dnsNames.isEmpty() ? "aero" : dnsNames.get(0);
        X509Certificate cert = signEndEntity(cn, keys.getPublic(), hostNames(dnsNames, addresses), nextSerial(),
                now.minus(Duration.ofMinutes(5)), now.plus(validity), KeyPurposeId.id_kp_serverAuth);
        return new ServerCredentials(keys.getPrivate(), cert, certificate);
    }

    /** Signs a CRL listing the given serials with their revocation times. */
    public X509CRL signCrl(Map<Long, Instant> revoked, long crlNumber, Instant thisUpdate, Instant nextUpdate) {
        try {
            X509v2CRLBuilder builder = new X509v2CRLBuilder(X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()),
                    Date.from(thisUpdate));
            builder.setNextUpdate(Date.from(nextUpdate));
            revoked.forEach((serial, at) -> builder.addCRLEntry(BigInteger.valueOf(serial), Date.from(at), CRLReason.unspecified));
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(crlNumber)));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
            X509CRLHolder holder = builder.build(signer(privateKey));
            return new JcaX509CRLConverter().getCRL(holder);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot sign the CRL", e);
        }
    }

    /** Whether this CA's key signed the certificate. */
    public boolean signed(X509Certificate candidate) {
        try {
            candidate.verify(certificate.getPublicKey());
            return candidate.getIssuerX500Principal().equals(certificate.getSubjectX500Principal());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** A random positive 63-bit serial; uniqueness is enforced by the database. */
    public long nextSerial() {
        return positiveSerial(random).longValueExact();
    }

    String privateKeyPem(String passphrase) {
        try {
            if (passphrase == null || passphrase.isEmpty()) {
                return Pem.encode(new JcaPKCS8Generator(privateKey, null).generate());
            }
            var encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                    .setProvider(BC).setRandom(random).setPassword(passphrase.toCharArray()).build();
            return Pem.encode(new JcaPKCS8Generator(privateKey, encryptor).generate());
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException("Cannot encode the CA key", e);
        }
    }

    /**
     * An end-entity certificate: not a CA, key usage as fits the key, the given purposes. The
     * common name is a device id, a service name or a configured host name: nothing that needs
     * escaping in a DN.
     */
    private X509Certificate signEndEntity(String commonName, PublicKey key, GeneralNames subjectAltNames, long serial,
            Instant notBefore, Instant notAfter, KeyPurposeId... purposes) {
        boolean rsa = "RSA".equals(key.getAlgorithm());
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, BigInteger.valueOf(serial),
                    Date.from(notBefore), Date.from(notAfter), new X500Principal("CN=" + commonName), key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(rsa ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment : KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
                    .addExtension(Extension.subjectAlternativeName, false, subjectAltNames)
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer(privateKey)));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot sign a certificate for CN=" + commonName, e);
        }
    }

    private static GeneralNames hostNames(List<String> dnsNames, List<InetAddress> addresses) {
        List<GeneralName> names = new ArrayList<>();
        dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
        addresses.forEach(a -> names.add(new GeneralName(GeneralName.iPAddress, a.getHostAddress())));
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    private static BigInteger positiveSerial(SecureRandom random) {
        long value;
        do {
            value = random.nextLong() & Long.MAX_VALUE;
        } while (value == 0);
        return BigInteger.valueOf(value);
    }

    private static ContentSigner signer(PrivateKey key) {
        try {
            return new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair newEcKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PrivateKey readPrivateKey(String pem, String passphrase, Path file) throws IOException {
        try (Reader reader = new StringReader(pem); PEMParser parser = new PEMParser(reader)) {
            Object object = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (object instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
                if (passphrase == null || passphrase.isEmpty()) {
                    throw new IllegalStateException(file + " is encrypted; set aero.sp.ca.key-passphrase");
                }
                try {
                    return converter.getPrivateKey(encrypted.decryptPrivateKeyInfo(
                            new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(passphrase.toCharArray())));
                } catch (Exception e) {
                    throw new IllegalStateException("Cannot decrypt " + file + ": wrong aero.sp.ca.key-passphrase?");
                }
            }
            if (object instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (object instanceof org.bouncycastle.openssl.PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            throw new IllegalStateException(file + " holds no private key");
        }
    }

    private static void requireKeyMatches(X509Certificate certificate, PrivateKey key) {
        try {
            byte[] probe = "aero-ca-key-check".getBytes(StandardCharsets.US_ASCII);
            String algorithm = "RSA".equals(key.getAlgorithm()) ? "SHA256withRSA" : SIGNATURE_ALGORITHM;
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(certificate.getPublicKey());
            verify.update(probe);
            if (!verify.verify(sign.sign())) {
                throw new IllegalStateException("The CA private key does not belong to the CA certificate");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The CA private key does not belong to the CA certificate: " + e.getMessage());
        }
    }

    /** A TLS server key with its certificate chain (server certificate, then the CA). */
    public record ServerCredentials(PrivateKey privateKey, X509Certificate certificate, X509Certificate caCertificate) {
    }
}
