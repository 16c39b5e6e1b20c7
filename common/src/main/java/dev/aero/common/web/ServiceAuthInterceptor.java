package dev.aero.common.web;

import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Requires the service credential ({@link ServiceAuthentication}) on a service's API paths
 * before the handler runs, so a request body is never even read for an unauthenticated caller.
 * The calling service's name is left in the request attribute {@link #SERVICE} (for a handler's
 * {@code @RequestAttribute}).
 */
public final class ServiceAuthInterceptor implements HandlerInterceptor {

    /** Request attribute: the authenticated service's name. */
    public static final String SERVICE = "aero.service";

    private final ServiceAuthentication authentication;

    public ServiceAuthInterceptor(ServiceAuthentication authentication) {
        this.authentication = authentication;
    }

    /** A configurer that puts the check on {@code pathPatterns} (Spring MVC path patterns). */
    public static WebMvcConfigurer on(ServiceAuthentication authentication, String... pathPatterns) {
        ServiceAuthInterceptor interceptor = new ServiceAuthInterceptor(authentication);
        return new WebMvcConfigurer() {
            @Override
            public void addInterceptors(InterceptorRegistry registry) {
                registry.addInterceptor(interceptor).addPathPatterns(pathPatterns);
            }
        };
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        request.setAttribute(SERVICE, authentication.authenticate(request.getHeader("Authorization")));
        return true;
    }
}
