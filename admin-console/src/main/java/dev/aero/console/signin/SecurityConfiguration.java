package dev.aero.console.signin;

import java.io.IOException;
import java.time.Clock;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletListenerRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.WebAttributes;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;

import dev.aero.client.sp.SpClient;
import dev.aero.console.ConsoleProperties;
import dev.aero.console.web.SignInController;

/**
 * Who may see what: the sign-in page and static assets to anyone, everything else to a signed-in
 * admin. CSRF tokens on every form (Spring Security's, put in by Thymeleaf), a content security
 * policy without inline scripts or styles, no framing, no referrer.
 */
@Configuration
public class SecurityConfiguration {

    /** Everything from this origin only: no inline script or style, no frames, forms post here only. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";


    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    ConsoleSessions consoleSessions(ConsoleProperties settings, SpClient sp, Clock clock) {
        return new ConsoleSessions(settings, sp, clock);
    }

    /** Runs inside Spring Security's chain only, not a second time as a servlet filter of its own. */
    @Bean
    FilterRegistrationBean<ConsoleSessions> consoleSessionsNotAServletFilter(ConsoleSessions sessions) {
        FilterRegistrationBean<ConsoleSessions> registration = new FilterRegistrationBean<>(sessions);
        registration.setEnabled(false);
        return registration;
    }

    @Bean
    ServletListenerRegistrationBean<ConsoleSessions> consoleSessionListener(ConsoleSessions sessions) {
        return new ServletListenerRegistrationBean<>(sessions);
    }

    /**
     * The actuator (health, info, Prometheus) on the management port, bound to loopback or the
     * deployment's private network like every service's: open, stateless, no session.
     */
    @Bean
    @Order(1)
    SecurityFilterChain management(HttpSecurity http) throws Exception {
        http.securityMatcher(EndpointRequest.toAnyEndpoint())
                .authorizeHttpRequests(a -> a.anyRequest().permitAll())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(c -> c.disable())
                .requestCache(c -> c.disable());
        return http.build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain console(HttpSecurity http, ConsoleSessions sessions,
            ConsoleProperties settings) throws Exception {
        // The provider is a bean, so the global authentication manager (this chain's parent) has
        // it: added here as well, a refused sign-in would be tried twice.
        http.authorizeHttpRequests(a -> a
                        .requestMatchers("/sign-in", "/css/**", "/js/**", "/favicon.svg", "/livez", "/readyz", "/error").permitAll()
                        .anyRequest().hasAuthority(SpAuthenticationProvider.ROLE))
                .formLogin(f -> f.loginPage("/sign-in").loginProcessingUrl("/sign-in")
                        .usernameParameter("email").passwordParameter("password")
                        .successHandler((request, response, authentication) -> {
                            sessions.started(request, request.getParameter("zone"), settings.defaultZone());
                            request.getSession().removeAttribute(SignInController.SIGN_IN_EMAIL);
                            response.sendRedirect(request.getContextPath() + "/");
                        })
                        .failureHandler(SecurityConfiguration::signInFailed))
                .logout(l -> l.logoutUrl("/sign-out").logoutSuccessUrl("/sign-in?signed-out").deleteCookies("AERO_CONSOLE"))
                .exceptionHandling(e -> e.authenticationEntryPoint((request, response, failure) ->
                        ConsoleSessions.refuse(request, response, "required")))
                .headers(h -> h.contentSecurityPolicy(c -> c.policyDirectives(CONTENT_SECURITY_POLICY))
                        .referrerPolicy(r -> r.policy(ReferrerPolicy.NO_REFERRER))
                        .frameOptions(f -> f.deny()))
                .addFilterBefore(sessions, AuthorizationFilter.class);
        return http.build();
    }

    /** Back to the sign-in page with the reason and the address typed, never the password. */
    private static void signInFailed(HttpServletRequest request, HttpServletResponse response, AuthenticationException failure)
            throws IOException {
        var session = request.getSession();
        session.setAttribute(WebAttributes.AUTHENTICATION_EXCEPTION, failure);
        String email = request.getParameter("email");
        session.setAttribute(SignInController.SIGN_IN_EMAIL, email == null || email.length() > 320 ? "" : email);
        response.sendRedirect(request.getContextPath() + "/sign-in?error");
    }
}
