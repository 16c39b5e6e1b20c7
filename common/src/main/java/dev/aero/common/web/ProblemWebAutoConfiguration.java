package dev.aero.common.web;

import java.util.List;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.core.Ordered;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * The error handling and identifier binding every Boot app of the platform shares. Runs before
 * Boot's error auto-configuration so that its error controller is the one in force.
 */
@AutoConfiguration(beforeName = {
        "org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration",
        "org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration" })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(DispatcherServlet.class)
public class ProblemWebAutoConfiguration {

    @Bean
    ProblemExceptionHandler aeroProblemExceptionHandler() {
        return new ProblemExceptionHandler();
    }

    @Bean
    ProblemErrorController aeroProblemErrorController() {
        return new ProblemErrorController();
    }

    /**
     * Bounds every request body; {@code aero.web.max-request-bytes}, default 64 KiB. Paths in
     * {@code aero.web.streamed-body-paths} (path patterns, default none) bound their bodies themselves.
     */
    @Bean
    FilterRegistrationBean<RequestBodyLimitFilter> aeroRequestBodyLimitFilter(
            @Value("${aero.web.max-request-bytes:65536}") long maxBytes,
            @Value("${aero.web.streamed-body-paths:}") List<String> streamedPaths) {
        FilterRegistrationBean<RequestBodyLimitFilter> registration = new FilterRegistrationBean<>(
                new RequestBodyLimitFilter(maxBytes, streamedPaths));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    /** nosniff, no-store and (over TLS) HSTS on every answer; {@code aero.web.hsts-max-age}, default one year. */
    @Bean
    FilterRegistrationBean<SecurityHeadersFilter> aeroSecurityHeadersFilter(
            @Value("${aero.web.hsts-max-age:31536000}") long hstsMaxAge) {
        FilterRegistrationBean<SecurityHeadersFilter> registration = new FilterRegistrationBean<>(new SecurityHeadersFilter(hstsMaxAge));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    @Bean
    IdentifierConverters aeroIdentifierConverters() {
        return new IdentifierConverters();
    }
}
