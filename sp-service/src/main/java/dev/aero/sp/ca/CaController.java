package dev.aero.sp.ca;

import dev.aero.common.web.apidoc.ProblemResponse;
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
@Tag(name = "Certificate authority", description = "The platform CA's certificate and revocation list; service certificates")
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

    @GetMapping(path = "/certificate", produces = "application/x-pem-file")
    @Operation(operationId = "getCaCertificate", summary = "The platform CA certificate (PEM)")
    @ProblemResponse(status = 406, type = "not-acceptable", when = "`Accept` does not allow `application/x-pem-file`")
    ResponseEntity<String> certificate() {
        return ResponseEntity.ok().contentType(PEM).body(ca.certificatePem());
    }

    @GetMapping(path = "/crl", produces = "application/pkix-crl")
    @Operation(operationId = "getRevocationList", summary = "The current certificate revocation list (DER)")
    @ProblemResponse(status = 406, type = "not-acceptable", when = "`Accept` does not allow `application/pkix-crl`")
    ResponseEntity<byte[]> crl() {
        return ResponseEntity.ok().contentType(PKIX_CRL).body(revocations.currentDer());
    }

    @PostMapping("/service-certificates")
    @Operation(operationId = "issueServiceCertificate",
            summary = "A platform service's certificate (server and client auth) from its CSR; service authentication")
    @CsrRefusals
    @ProblemResponse(status = 400, type = "dns-name-invalid", when = "`dns_names` is not 1-16 host names without wildcards; the detail names the entry")
    @ProblemResponse(status = 400, type = "ip-address-invalid", when = "`ip_addresses` is not 0-16 literal addresses; the detail names the entry")
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
