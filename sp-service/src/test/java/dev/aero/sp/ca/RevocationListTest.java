package dev.aero.sp.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.Extension;
import org.junit.jupiter.api.Test;

import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;

@SpServiceTest
class RevocationListTest extends SpTestSupport {

    @Test
    void crlListsEveryRevokedSerialAndVerifiesAgainstTheCaCertificate() throws Exception {
        Account owner = member("crl");
        List<BigInteger> revoked = new ArrayList<>();
        List<BigInteger> kept = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            RegisteredDevice d = register(owner);
            BigInteger serial = PemReader.certificate(d.certificate().certificate()).getSerialNumber();
            if (i % 2 == 0) {
                owner.client().unlinkDevice(d.id(), false);
                revoked.add(serial);
            } else {
                kept.add(serial);
            }
        }
        X509Certificate ca = PemReader.certificate(anonymous().caCertificatePem());
        X509CRL crl = anonymous().parsedCrl();
        crl.verify(ca.getPublicKey());
        assertThat(crl.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertThat(crl.getNextUpdate()).isAfter(crl.getThisUpdate());
        for (BigInteger serial : revoked) {
            assertThat(crl.getRevokedCertificate(serial)).as("serial %s", serial).isNotNull();
        }
        for (BigInteger serial : kept) {
            assertThat(crl.getRevokedCertificate(serial)).as("serial %s", serial).isNull();
        }
        List<Long> inDatabase = jdbc.queryForList("SELECT serial FROM device_certificates WHERE revoked_at IS NOT NULL", Long.class);
        assertThat(crl.getRevokedCertificates()).hasSize(inDatabase.size());
    }

    @Test
    void everyRevocationSignsANewCrlWithAHigherNumber() throws Exception {
        Account owner = member("numbers");
        RegisteredDevice d = register(owner);
        BigInteger before = crlNumber(anonymous().parsedCrl());
        owner.client().unlinkDevice(d.id(), false);
        X509CRL after = anonymous().parsedCrl();
        assertThat(crlNumber(after)).isGreaterThan(before);
        assertThat(after.getRevokedCertificate(PemReader.certificate(d.certificate().certificate()).getSerialNumber())).isNotNull();
    }

    @Test
    void caEndpointsServeTheirMediaTypes() throws Exception {
        HttpResponse<String> pem = raw("GET", "/api/v1/ca/certificate", null, null, null);
        assertThat(pem.headers().firstValue("Content-Type").orElse("")).startsWith("application/x-pem-file");
        assertThat(pem.body()).startsWith("-----BEGIN CERTIFICATE-----");
        HttpResponse<String> crl = raw("GET", "/api/v1/ca/crl", null, null, null);
        assertThat(crl.statusCode()).isEqualTo(200);
        assertThat(crl.headers().firstValue("Content-Type").orElse("")).isEqualTo("application/pkix-crl");
    }

    private static BigInteger crlNumber(X509CRL crl) throws Exception {
        byte[] ext = crl.getExtensionValue(Extension.cRLNumber.getId());
        return ASN1Integer.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getValue();
    }
}
