package dev.aero.commands.api;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.filter.ServerHttpObservationFilter;

import dev.aero.commands.push.PushDelivery;
import dev.aero.commands.queue.CommandQueues;
import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.id.DID;
import dev.aero.common.web.ServiceAuthentication;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import tools.jackson.databind.json.JsonMapper;

/**
 * The service API's hot path: {@code POST} (enqueue) and {@code PUT} (replace)
 * {@code /v1/devices/{did}/commands}, answered here, in a servlet filter, instead of through
 * Spring MVC (handler mapping, argument resolution, message converters, interceptors), which
 * cost most of command-server's CPU per command (docs/command-server.md#capacity).
 *
 * <p>It answers only what it can answer exactly as {@link ServiceQueueController} does: a
 * well-formed request with the service credential whose command is valid gets the same 200 and
 * the same JSON (written by the same mapper). Anything else goes down the filter chain unchanged
 * (the body it read is replayed), so every problem answer (401, 503, 400, 413, 415, 406, ...) comes
 * from the same code as before: a bad credential, a body over the limit or without a length, a
 * content type or {@code Accept} other than JSON, malformed JSON, an unknown type or an invalid
 * command, TLS (HSTS), a path that is not the canonical form. When the enqueue itself fails
 * (Redis), the failure is handed down with the request ({@link #FAILURE}), and the controller
 * throws it, so the 500 problem and its log line are those of the controller.
 *
 * <p>It runs after the request-id, security-header, character-encoding and observation filters
 * (so {@code X-Request-Id}, {@code nosniff}, {@code no-store} and {@code http.server.requests},
 * with its {@code uri} tag, are as before) and before the body limit filter, whose bound it
 * applies itself.
 */
public final class FastEnqueueFilter implements Filter {

    /** Request attribute: the exception the enqueue failed with, for the controller to throw. */
    static final String FAILURE = FastEnqueueFilter.class.getName() + ".failure";

    static final String PATTERN = "/v1/devices/{did}/commands";
    private static final String PREFIX = "/v1/devices/";
    static final String SUFFIX = "/commands";

    private final EnqueueFastPath path;

    public FastEnqueueFilter(ServiceAuthentication authentication, CommandQueues queues, PushDelivery pusher, JsonMapper json, long maxBytes) {
        this.path = new EnqueueFastPath(authentication, queues, pusher, json, maxBytes);
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        String method = request.getMethod();
        boolean replace = "PUT".equals(method);
        DID did = replace || "POST".equals(method) ? canonicalDevice(request, SUFFIX) : null;
        if (did == null || request.isSecure() || !path.admits(request.getContentType(), request.getHeader("Accept"),
                request.getContentLengthLong(), request.getHeader("Authorization"))) {
            chain.doFilter(request, response);
            return;
        }
        byte[] body = request.getInputStream().readNBytes((int) request.getContentLengthLong());
        Command command = path.command(body);
        if (command == null) {
            chain.doFilter(new Replayed(request, body), response);
            return;
        }
        CommandQueues.Enqueued enqueued;
        try {
            enqueued = path.queues().enqueue(did, CommandCodec.toRedisString(command), replace);
        } catch (RuntimeException failed) {
            request.setAttribute(FAILURE, failed);
            chain.doFilter(new Replayed(request, body), response);
            return;
        }
        ServerHttpObservationFilter.findObservationContext(request).ifPresent(c -> c.setPathPattern(PATTERN));
        byte[] answer = path.answer(did, command, enqueued);
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("application/json");
        response.setContentLength(answer.length);
        response.getOutputStream().write(answer);
    }

    /** The device of {@code /v1/devices/<32 lower-case hex><suffix>}, exactly; null for anything else. */
    static DID canonicalDevice(HttpServletRequest request, String suffix) {
        return request.getContextPath().isEmpty() ? canonicalDevice(request.getRequestURI(), suffix) : null;
    }

    /** The device of the path {@code /v1/devices/<32 lower-case hex><suffix>}, exactly; null for anything else. */
    static DID canonicalDevice(String uri, String suffix) {
        if (uri.length() != PREFIX.length() + 32 + suffix.length() || !uri.startsWith(PREFIX) || !uri.endsWith(suffix)) {
            return null;
        }
        for (int i = PREFIX.length(); i < PREFIX.length() + 32; i++) {
            char c = uri.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return null;
            }
        }
        try {
            return DID.of(uri.substring(PREFIX.length(), PREFIX.length() + 32));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {@code application/json}, with no parameter but a UTF-8 charset. */
    static boolean jsonIn(String contentType) {
        if (contentType == null) {
            return false;
        }
        String t = contentType.strip().toLowerCase(Locale.ROOT);
        if (t.equals("application/json")) {
            return true;
        }
        if (!t.startsWith("application/json;")) {
            return false;
        }
        String parameter = t.substring("application/json;".length()).strip().replace(" ", "");
        return parameter.equals("charset=utf-8") || parameter.equals("charset=\"utf-8\"");
    }

    /** No {@code Accept}, or one that plainly takes JSON: {@code application/json}, {@code application/*} or {@code *}{@code /*}, without parameters. */
    static boolean jsonOut(String accept) {
        if (accept == null || accept.isBlank()) {
            return true;
        }
        for (String range : accept.split(",")) {
            String r = range.strip().toLowerCase(Locale.ROOT);
            if (r.equals("application/json") || r.equals("*/*") || r.equals("application/*")) {
                return true;
            }
        }
        return false;
    }

    /** Throws the failure the fast path handed down with this request, if any (the controller calls it first). */
    static void rethrowFailure() {
        RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
        if (attributes != null && attributes.getAttribute(FAILURE, RequestAttributes.SCOPE_REQUEST) instanceof RuntimeException failure) {
            attributes.removeAttribute(FAILURE, RequestAttributes.SCOPE_REQUEST);
            throw failure;
        }
    }

    /** The request with the body already read given again to whatever reads it next. */
    static final class Replayed extends HttpServletRequestWrapper {
        private final byte[] body;
        private boolean used;

        Replayed(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            if (used) {
                throw new IllegalStateException("the body was read already");
            }
            used = true;
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body is replayed from memory");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }
    }
}
