package dev.aero.common.web;

import java.io.IOException;

import org.springframework.web.filter.OncePerRequestFilter;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The headers every answer of every service carries: {@code X-Content-Type-Options: nosniff};
 * {@code Cache-Control: no-store} unless the handler says otherwise (answers carry tokens,
 * secrets and personal data; none is meant for a shared cache); and, on a request that came over
 * TLS, {@code Strict-Transport-Security}. No CORS headers: no service configures CORS, so a
 * browser on another origin can read nothing.
 */
public class SecurityHeadersFilter extends OncePerRequestFilter {

    private final String hsts;

    /** @param hstsMaxAgeSeconds {@code max-age} of HSTS; 0 sends none */
    public SecurityHeadersFilter(long hstsMaxAgeSeconds) {
        this.hsts = hstsMaxAgeSeconds > 0 ? "max-age=" + hstsMaxAgeSeconds : null;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader("X-Content-Type-Options", "nosniff");
        // Set before the handler runs: a handler that allows caching replaces it.
        response.setHeader("Cache-Control", "no-store");
        if (hsts != null && request.isSecure()) {
            response.setHeader("Strict-Transport-Security", hsts);
        }
        chain.doFilter(request, response);
    }
}
