package dev.aero.sp.ca;

import java.io.IOException;
import java.io.StringReader;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.springframework.http.HttpStatus;

import dev.aero.common.id.DID;
import dev.aero.common.id.InvalidIdentifierException;
import dev.aero.common.web.ApiProblemException;

/**
 * A device's PKCS#10 request, checked before anything is signed: PEM, exactly the subject
 * {@code CN=<device id>}, an EC P-256 key or an RSA key of 2,048 to 8,192 bits, and a valid
 * self-signature (proof that the caller holds the private key).
 */
public record DeviceCertificationRequest(DID device, PublicKey publicKey) {

    /** Larger than any real CSR of an allowed key; bounds parsing work. */
    static final int MAX_PEM_LENGTH = 16 * 1024;
    static final int MIN_RSA_BITS = 2048;
    static final int MAX_RSA_BITS = 8192;

    public static DeviceCertificationRequest parse(String pem) {
        if (pem == null || pem.isBlank()) {
            throw problem("csr-malformed", "csr is required: a PEM PKCS#10 certificate request.");
        }
        if (pem.length() > MAX_PEM_LENGTH) {
            throw problem("csr-malformed", "csr is longer than " + MAX_PEM_LENGTH + " characters.");
        }
        PKCS10CertificationRequest request = read(pem);
        DID device = subjectDevice(request);
        PublicKey key = acceptableKey(request);
        if (!signatureValid(request)) {
            throw problem("csr-signature-invalid", "The CSR's signature does not verify with its public key.");
        }
        return new DeviceCertificationRequest(device, key);
    }

    private static PKCS10CertificationRequest read(String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object = parser.readObject();
            if (object instanceof PKCS10CertificationRequest request) {
                return request;
            }
        } catch (IOException | RuntimeException e) {
            // falls through to the common refusal below
        }
        throw problem("csr-malformed", "csr is not a PEM PKCS#10 certificate request (-----BEGIN CERTIFICATE REQUEST-----).");
    }

    private static DID subjectDevice(PKCS10CertificationRequest request) {
        RDN[] rdns = request.getSubject().getRDNs();
        if (rdns.length != 1 || rdns[0].isMultiValued()) {
            throw problem("csr-subject-invalid", "The CSR subject must be exactly CN=<device id>.");
        }
        AttributeTypeAndValue cn = rdns[0].getFirst();
        if (!BCStyle.CN.equals(cn.getType())) {
            throw problem("csr-subject-invalid", "The CSR subject must be exactly CN=<device id>.");
        }
        String value = IETFUtils.valueToString(cn.getValue());
        DID device = null;
        try {
            device = DID.of(value);
        } catch (InvalidIdentifierException e) {
            // refused below
        }
        if (device == null || !device.hex().equals(value)) {
            throw problem("csr-subject-invalid", "The CSR's CN must be the device id: 32 lower-case hex characters.");
        }
        return device;
    }

    private static PublicKey acceptableKey(PKCS10CertificationRequest request) {
        SubjectPublicKeyInfo info = request.getSubjectPublicKeyInfo();
        ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
        PublicKey key;
        try {
            key = new JcaPKCS10CertificationRequest(request).getPublicKey();
        } catch (Exception e) {
            throw problem("csr-malformed", "The CSR's public key cannot be read.");
        }
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
            if (!X9ObjectIdentifiers.prime256v1.equals(info.getAlgorithm().getParameters())) {
                throw problem("csr-weak-key", "EC keys must use the P-256 curve.");
            }
            return key;
        }
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
                throw problem("csr-weak-key", "RSA keys must have " + MIN_RSA_BITS + " to " + MAX_RSA_BITS
                        + " bits; this one has " + bits + ".");
            }
            return key;
        }
        throw problem("csr-weak-key", "The key must be EC P-256 or RSA of at least " + MIN_RSA_BITS + " bits.");
    }

    private static boolean signatureValid(PKCS10CertificationRequest request) {
        try {
            return request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(request.getSubjectPublicKeyInfo()));
        } catch (Exception e) {
            return false;
        }
    }

    private static ApiProblemException problem(String slug, String detail) {
        return new ApiProblemException(HttpStatus.BAD_REQUEST, slug, detail);
    }
}
