package dev.aero.console.signin;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.web.filter.OncePerRequestFilter;

import dev.aero.client.sp.SpClient;
import dev.aero.console.ConsoleProperties;

/**
 * How a console session ends besides sign-out: after {@code aero.console.idle-timeout} without
 * a request of the admin's own (the live parts of a page poll, and do not count), and when SP's
 * token expires. When a session ends for any reason its SP session is signed out as well.
 */
public class ConsoleSessions extends OncePerRequestFilter implements HttpSessionListener {

    private static final Logger log = LoggerFactory.getLogger(ConsoleSessions.class);

    static final String LAST_ACTIVE = "aero.console.lastActive";
    public static final String ZONE = "aero.console.zone";
    /** Paths the pages poll for their live parts: no activity of the admin's. */
    public static final String LIVE_PREFIX = "/live/";

    private final Duration idleTimeout;
    private final SpClient sp;
    private final Clock clock;

    public ConsoleSessions(ConsoleProperties settings, SpClient sp, Clock clock) {
        this.idleTimeout = settings.idleTimeout();
        this.sp = sp;
        this.clock = clock;
    }

    /** Called on a successful sign-in: activity starts now, dates in the browser's zone when it said a valid one. */
    void started(HttpServletRequest request, String zone, ZoneId fallback) {
        HttpSession session = request.getSession();
        session.setAttribute(LAST_ACTIVE, clock.instant());
        ZoneId chosen = fallback;
        if (zone != null && zone.length() <= 64) {
            try {
                chosen = ZoneId.of(zone);
            } catch (RuntimeException invalid) {
                // A zone this JVM does not know: the default setting.
            }
        }
        session.setAttribute(ZONE, chosen);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        HttpSession session = request.getSession(false);
        if (session != null && authentication != null && authentication.getPrincipal() instanceof Admin admin) {
            Instant now = clock.instant();
            Instant lastActive = (Instant) session.getAttribute(LAST_ACTIVE);
            String ended = null;
            if (admin.expiresAt() != null && !now.isBefore(admin.expiresAt())) {
                ended = "expired";
            } else if (lastActive == null || Duration.between(lastActive, now).compareTo(idleTimeout) >= 0) {
                ended = "idle";
            }
            if (ended != null) {
                session.invalidate();
                SecurityContextHolder.clearContext();
                refuse(request, response, ended);
                return;
            }
            if (!request.getRequestURI().startsWith(LIVE_PREFIX)) {
                session.setAttribute(LAST_ACTIVE, now);
            }
        }
        chain.doFilter(request, response);
    }

    /** A page goes to the sign-in page saying why; a live poll gets 401 and its script does the same. */
    public static void refuse(HttpServletRequest request, HttpServletResponse response, String reason) throws IOException {
        if (request.getRequestURI().startsWith(LIVE_PREFIX)) {
            response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
            response.setHeader("X-Console-Session", reason);
        } else {
            response.sendRedirect(request.getContextPath() + "/sign-in?" + reason);
        }
    }

    @Override
    public void sessionDestroyed(HttpSessionEvent event) {
        Object context = event.getSession().getAttribute(HttpSessionSecurityContextRepository.SPRING_SECURITY_CONTEXT_KEY);
        if (context instanceof SecurityContext c && c.getAuthentication() != null && c.getAuthentication().getPrincipal() instanceof Admin admin
                && (admin.expiresAt() == null || clock.instant().isBefore(admin.expiresAt()))) {
            Thread.ofVirtual().name("sp-sign-out").start(() -> {
                try {
                    admin.sp(sp).signOut();
                } catch (RuntimeException e) {
                    log.info("could not end the SP session of {} with its console session: {}", admin.email(), e.toString());
                }
            });
        }
    }
}
