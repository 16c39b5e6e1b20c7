package dev.aero.sp.web;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.web.ApiProblemException;
import dev.aero.common.web.ServiceAuthentication;
import dev.aero.common.web.apidoc.ApiSecuritySchemes;
import dev.aero.common.web.apidoc.OperationAuthentication;
import dev.aero.sp.SpProperties;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Resolves {@code Authorization: Aero-Service-Shared-Secret <service> <deployment secret>} to the
 * calling platform service. Without a configured deployment secret no service can authenticate
 * (503). A missing, malformed or wrong credential gets one and the same 401, so a caller learns
 * nothing about which part was wrong; the secret is compared in constant time.
 */
@Component
class ServiceAuthenticator implements CallerResolver<AuthenticatedService> {

    private final ServiceAuthentication authentication;
    private final MeterRegistry meters;

    @Autowired
    ServiceAuthenticator(SpProperties properties, MeterRegistry meters) {
        this(properties.deploymentSecret(), meters);
    }

    ServiceAuthenticator(String deploymentSecret, MeterRegistry meters) {
        this.authentication = new ServiceAuthentication(deploymentSecret);
        this.meters = meters;
    }

    @Override
    public Class<AuthenticatedService> type() {
        return AuthenticatedService.class;
    }

    @Override
    public OperationAuthentication.Scheme documentation() {
        return new OperationAuthentication.Scheme(ApiSecuritySchemes.SERVICE_SECRET, ApiSecuritySchemes.SERVICE_SECRET_PROBLEMS);
    }

    @Override
    public AuthenticatedService resolve(HttpServletRequest request) {
        String header = request.getHeader(ServiceCredential.HEADER);
        try {
            return new AuthenticatedService(authentication.authenticate(header));
        } catch (ApiProblemException e) {
            meters.counter("aero.sp.service_auth.refused", "cause", authentication.refusalCause(header)).increment();
            throw e;
        }
    }
}
