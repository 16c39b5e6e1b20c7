package dev.aero.common.web.apidoc;

import java.util.List;

/**
 * The names of the security schemes in every API document of the platform, one per way a
 * caller proves who it is.
 */
public final class ApiSecuritySchemes {

    /** {@code Authorization: Bearer <token>}: a user's session token from SP's sign-in. */
    public static final String BEARER = "bearer";

    /** The device's client certificate, issued by the platform CA (mutual TLS). */
    public static final String DEVICE_CERTIFICATE = "deviceCertificate";

    /** {@code Authorization: Aero-Service-Shared-Secret <service> <deployment secret>}. */
    public static final String SERVICE_SECRET = "serviceSecret";

    /** What the service-secret check answers on every service, wherever it guards an API. */
    public static final List<DocumentedProblem> SERVICE_SECRET_PROBLEMS = List.of(
            new DocumentedProblem(401, "invalid-service-credentials",
                    "the Aero-Service-Shared-Secret credential is missing, malformed or wrong (one answer for all three)"),
            new DocumentedProblem(503, "service-auth-not-configured",
                    "the service has no deployment secret, so no service can authenticate"));

    private ApiSecuritySchemes() {
    }
}
