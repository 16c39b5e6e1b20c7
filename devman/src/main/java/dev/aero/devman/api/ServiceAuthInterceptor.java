package dev.aero.devman.api;

import org.springframework.web.servlet.HandlerInterceptor;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.aero.common.web.ServiceAuthentication;

/**
 * Requires the service credential before a request body is even read: registered for the
 * service endpoints (reads and the presence ingest), not for the devices' check-in.
 */
public final class ServiceAuthInterceptor implements HandlerInterceptor {

    private final ServiceAuthentication authentication;

    public ServiceAuthInterceptor(ServiceAuthentication authentication) {
        this.authentication = authentication;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        authentication.authenticate(request.getHeader("Authorization"));
        return true;
    }
}
