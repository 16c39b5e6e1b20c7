package dev.aero.common.web;

import java.util.List;

import org.springframework.http.server.PathContainer;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

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
    public static Paths on(ServiceAuthentication authentication, String... pathPatterns) {
        return new Paths(new ServiceAuthInterceptor(authentication), List.of(pathPatterns));
    }

    /**
     * The paths a service's API guards with the service credential: installs the check, and tells
     * the API document which operations need the credential.
     */
    public static final class Paths implements WebMvcConfigurer {

        private final ServiceAuthInterceptor interceptor;
        private final List<String> patterns;
        private final List<PathPattern> parsed;

        private Paths(ServiceAuthInterceptor interceptor, List<String> patterns) {
            this.interceptor = interceptor;
            this.patterns = patterns;
            this.parsed = patterns.stream().map(PathPatternParser.defaultInstance::parse).toList();
        }

        @Override
        public void addInterceptors(InterceptorRegistry registry) {
            registry.addInterceptor(interceptor).addPathPatterns(patterns.toArray(String[]::new));
        }

        /** Whether a request to {@code path} must carry the service credential. */
        public boolean guards(PathContainer path) {
            return parsed.stream().anyMatch(p -> p.matches(path));
        }
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        request.setAttribute(SERVICE, authentication.authenticate(request.getHeader("Authorization")));
        return true;
    }
}
