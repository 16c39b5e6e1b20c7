package dev.aero.sp.ca;

import java.security.PublicKey;

import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

import dev.aero.common.id.DID;
import dev.aero.common.id.InvalidIdentifierException;
import dev.aero.common.web.ApiProblemException;

/**
 * A device's PKCS#10 request, checked before anything is signed: exactly the subject
 * {@code CN=<device id>}, and what every CSR must be ({@link CertificationRequests}: PEM, an EC
 * P-256 key or an RSA key of 2,048 to 8,192 bits, a valid self-signature).
 */
public record DeviceCertificationRequest(DID device, PublicKey publicKey) {

    public static DeviceCertificationRequest parse(String pem) {
        PKCS10CertificationRequest request = CertificationRequests.read(pem);
        try {
            DID device = subjectDevice(request);
            PublicKey key = CertificationRequests.acceptableKey(request);
            CertificationRequests.requireValidSignature(request);
            return new DeviceCertificationRequest(device, key);
        } catch (ApiProblemException e) {
            throw e;
        } catch (RuntimeException e) {
            // Bouncy Castle reads the request's parts when asked, and a malformed part throws then (found by
            // CsrFuzzTest: a tagged object where the subject belongs was a 500).
            throw CertificationRequests.refusal("csr-malformed", "The CSR is not a well-formed PKCS#10 certificate request.");
        }
    }

    private static DID subjectDevice(PKCS10CertificationRequest request) {
        RDN[] rdns = request.getSubject().getRDNs();
        if (rdns.length != 1 || rdns[0].isMultiValued()) {
            throw subjectInvalid("The CSR subject must be exactly CN=<device id>.");
        }
        AttributeTypeAndValue cn = rdns[0].getFirst();
        if (!BCStyle.CN.equals(cn.getType())) {
            throw subjectInvalid("The CSR subject must be exactly CN=<device id>.");
        }
        String value;
        try {
            value = IETFUtils.valueToString(cn.getValue());
        } catch (IllegalArgumentException e) {
            // a UTF8String CN that is not UTF-8 (found by CsrFuzzTest; it was a 500)
            throw subjectInvalid("The CSR's CN cannot be read as text.");
        }
        DID device = null;
        try {
            device = DID.of(value);
        } catch (InvalidIdentifierException e) {
            // refused below
        }
        if (device == null || !device.hex().equals(value)) {
            throw subjectInvalid("The CSR's CN must be the device id: 32 lower-case hex characters.");
        }
        return device;
    }

    private static ApiProblemException subjectInvalid(String detail) {
        return CertificationRequests.refusal("csr-subject-invalid", detail);
    }
}
