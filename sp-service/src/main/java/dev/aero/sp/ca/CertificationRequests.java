package dev.aero.sp.ca;

import java.io.IOException;
import java.io.StringReader;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.springframework.http.HttpStatus;

import dev.aero.common.web.ApiProblemException;

/**
 * What every PKCS#10 request must be before anything is signed, whoever sends it (a device or
 * a platform service): PEM of bounded length, an EC P-256 key or an RSA key of 2,048 to 8,192
 * bits, and a self-signature that verifies (proof that the caller holds the private key).
 * Refusals are 400 problems: {@code csr-malformed}, {@code csr-weak-key}, {@code csr-signature-invalid}.
 */
final class CertificationRequests {

    /** Larger than any real CSR of an allowed key; bounds parsing work. */
    static final int MAX_PEM_LENGTH = 16 * 1024;
    static final int MIN_RSA_BITS = 2048;
    static final int MAX_RSA_BITS = 8192;

    private CertificationRequests() {
    }

    static PKCS10CertificationRequest read(String pem) {
        if (pem == null || pem.isBlank()) {
            throw refusal("csr-malformed", "csr is required: a PEM PKCS#10 certificate request.");
        }
        if (pem.length() > MAX_PEM_LENGTH) {
            throw refusal("csr-malformed", "csr is longer than " + MAX_PEM_LENGTH + " characters.");
        }
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object = parser.readObject();
            if (object instanceof PKCS10CertificationRequest request) {
                return request;
            }
        } catch (IOException | RuntimeException e) {
            // falls through to the common refusal below
        }
        throw refusal("csr-malformed", "csr is not a PEM PKCS#10 certificate request (-----BEGIN CERTIFICATE REQUEST-----).");
    }

    static PublicKey acceptableKey(PKCS10CertificationRequest request) {
        SubjectPublicKeyInfo info = request.getSubjectPublicKeyInfo();
        ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
        PublicKey key;
        try {
            key = new JcaPKCS10CertificationRequest(request).getPublicKey();
        } catch (Exception e) {
            throw refusal("csr-malformed", "The CSR's public key cannot be read.");
        }
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
            if (!X9ObjectIdentifiers.prime256v1.equals(info.getAlgorithm().getParameters())) {
                throw refusal("csr-weak-key", "EC keys must use the P-256 curve.");
            }
            return key;
        }
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
                throw refusal("csr-weak-key", "RSA keys must have " + MIN_RSA_BITS + " to " + MAX_RSA_BITS
                        + " bits; this one has " + bits + ".");
            }
            return key;
        }
        throw refusal("csr-weak-key", "The key must be EC P-256 or RSA of at least " + MIN_RSA_BITS + " bits.");
    }

    static void requireValidSignature(PKCS10CertificationRequest request) {
        boolean valid;
        try {
            valid = request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(request.getSubjectPublicKeyInfo()));
        } catch (Exception e) {
            valid = false;
        }
        if (!valid) {
            throw refusal("csr-signature-invalid", "The CSR's signature does not verify with its public key.");
        }
    }

    static ApiProblemException refusal(String slug, String detail) {
        return new ApiProblemException(HttpStatus.BAD_REQUEST, slug, detail);
    }
}
