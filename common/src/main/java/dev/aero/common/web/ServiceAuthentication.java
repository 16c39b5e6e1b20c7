package dev.aero.common.web;

import org.springframework.http.HttpStatus;

import dev.aero.common.auth.InvalidServiceCredentialException;
import dev.aero.common.auth.ServiceCredential;

/**
 * Checks {@code Authorization: Aero-Service-Shared-Secret <service> <deployment secret>} for a
 * service's HTTP API. Without a configured deployment secret no service can authenticate (503
 * {@code service-auth-not-configured}); a missing, malformed or wrong credential gets one and the
 * same 401 {@code invalid-service-credentials}, so a caller learns nothing about which part was
 * wrong. The secret is compared in constant time.
 */
public final class ServiceAuthentication {

    private final String deploymentSecret;
    /** SHA-256 of the deployment secret, computed once (null without a secret). */
    private final byte[] deploymentSecretDigest;

    public ServiceAuthentication(String deploymentSecret) {
        this.deploymentSecret = deploymentSecret;
        this.deploymentSecretDigest = ServiceCredential.digest(deploymentSecret);
    }

    /** Returns the calling service's name, or throws the problem to answer with. */
    public String authenticate(String authorizationHeader) {
        if (deploymentSecret == null || deploymentSecret.isEmpty()) {
            throw new ApiProblemException(HttpStatus.SERVICE_UNAVAILABLE, "service-auth-not-configured",
                    "Service authentication is not configured: no deployment secret (AERO_DEPLOYMENT_SECRET).");
        }
        ServiceCredential credential;
        try {
            credential = ServiceCredential.parse(authorizationHeader);
        } catch (InvalidServiceCredentialException e) {
            throw refused();
        }
        if (!credential.secretMatchesDigest(deploymentSecretDigest)) {
            throw refused();
        }
        return credential.serviceName();
    }

    /** Why a credential was refused, for metrics: {@code not-configured}, {@code malformed} or {@code wrong-secret}. */
    public String refusalCause(String authorizationHeader) {
        if (deploymentSecret == null || deploymentSecret.isEmpty()) {
            return "not-configured";
        }
        try {
            return ServiceCredential.parse(authorizationHeader).secretMatches(deploymentSecret) ? "none" : "wrong-secret";
        } catch (InvalidServiceCredentialException e) {
            return "malformed";
        }
    }

    private static ApiProblemException refused() {
        ApiProblemException problem = new ApiProblemException(HttpStatus.UNAUTHORIZED, "invalid-service-credentials",
                "Send Authorization: " + ServiceCredential.SCHEME + " <service name> <deployment secret>.");
        problem.getHeaders().set("WWW-Authenticate", ServiceCredential.SCHEME + " realm=\"aero\"");
        return problem;
    }
}
