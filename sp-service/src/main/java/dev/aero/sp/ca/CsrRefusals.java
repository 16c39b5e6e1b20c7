package dev.aero.sp.ca;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.aero.common.web.apidoc.ProblemResponse;

/** For the API document: the handler parses a CSR ({@link CertificationRequests}) and refuses it with these. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@ProblemResponse(status = 400, type = "csr-malformed", when = "`csr` is missing, too long, or not a readable PEM PKCS#10 request")
@ProblemResponse(status = 400, type = "csr-subject-invalid",
        when = "the subject is not what this request needs (for a device: CN = its device id)")
@ProblemResponse(status = 400, type = "csr-weak-key", when = "the key is neither EC P-256 nor RSA of an accepted size")
@ProblemResponse(status = 400, type = "csr-signature-invalid", when = "the CSR's signature does not verify with its key")
public @interface CsrRefusals {
}
