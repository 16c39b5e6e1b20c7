package dev.aero.sp.ca;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

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

    CaController(CertificateAuthority ca, RevocationList revocations) {
        this.ca = ca;
        this.revocations = revocations;
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
}
