package dev.aero.sp.ca;

import java.time.Instant;
import java.util.List;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.aero.sp.web.AuthenticatedService;
import dev.aero.sp.web.ClientAddress;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

@RestController
@RequestMapping("/api/v1/ca")
@Tag(name = "Certificate authority")
class CaController {

    static final MediaType PEM = MediaType.parseMediaType("application/x-pem-file");
    static final MediaType PKIX_CRL = MediaType.parseMediaType("application/pkix-crl");

    private final CertificateAuthority ca;
    private final RevocationList revocations;
    private final ServiceCertificateIssuer serviceCertificates;

    CaController(CertificateAuthority ca, RevocationList revocations, ServiceCertificateIssuer serviceCertificates) {
        this.ca = ca;
        this.revocations = revocations;
        this.serviceCertificates = serviceCertificates;
    }

    @GetMapping("/certificate")
    @Operation(summary = "The platform CA certificate (PEM)")
    ResponseEntity<String> certificate() {
        return ResponseEntity.ok().contentType(PEM).body(ca.certificatePem());
    }

    @GetMapping("/crl")
    @Operation(summary = "The current certificate revocation list (DER)")
    ResponseEntity<byte[]> crl() {
        return ResponseEntity.ok().contentType(PKIX_CRL).body(revocations.currentDer());
    }

    @PostMapping("/service-certificates")
    @Operation(summary = "A platform service's certificate (server and client auth) from its CSR; service authentication")
    ServiceCertificateView issueServiceCertificate(AuthenticatedService caller, @RequestBody ServiceCertificateRequest body,
            ClientAddress from) {
        ServiceCertificationRequest request = ServiceCertificationRequest.parse(body.csr(), body.dnsNames(), body.ipAddresses());
        ServiceCertificateIssuer.IssuedServiceCertificate issued = serviceCertificates.issue(caller, request, from);
        return new ServiceCertificateView(issued.certificate(), issued.caCertificate(), issued.notAfter());
    }

    /** {@code csr}: PEM PKCS#10; {@code dns_names}: 1-16 host names; {@code ip_addresses}: 0-16 literals. */
    record ServiceCertificateRequest(String csr, List<String> dnsNames, List<String> ipAddresses) {
    }

    record ServiceCertificateView(String certificate, String caCertificate, Instant notAfter) {
    }
}
