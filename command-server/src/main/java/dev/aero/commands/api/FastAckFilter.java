package dev.aero.commands.api;

import java.io.IOException;

import org.springframework.web.filter.ServerHttpObservationFilter;

import dev.aero.commands.queue.CommandQueues;
import dev.aero.common.id.DID;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The device API's hot path: a device's {@code POST /v1/devices/{did}/ack} over the device HTTPS
 * listener, one for every command it carries out, answered here instead of through Spring MVC,
 * the way {@link FastEnqueueFilter} answers the service API's enqueue.
 *
 * <p>It answers only a request it can answer exactly as {@link DeviceQueueController} does: over
 * TLS, with a certificate naming the device of the path, a JSON body (and {@code Accept}) whose
 * {@code epoch} is positive. Anything else (no or another device's certificate, a bad body, the
 * plain service port) goes down the filter chain with the body replayed, so every problem answer
 * comes from the controller; a failure of the queue itself is handed to the controller to throw
 * ({@link FastEnqueueFilter#FAILURE}).
 */
public final class FastAckFilter implements Filter {

    static final String PATTERN = "/v1/devices/{did}/ack";
    private static final String SUFFIX = "/ack";

    private final CommandQueues queues;
    private final ObjectReader reader;
    private final ObjectWriter writer;
    private final long maxBytes;

    public FastAckFilter(CommandQueues queues, JsonMapper json, long maxBytes) {
        this.queues = queues;
        this.reader = json.readerFor(DeviceQueueController.Ack.class);
        this.writer = json.writerFor(DeviceQueueController.AckResult.class);
        this.maxBytes = maxBytes;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        DID did = "POST".equals(request.getMethod()) && request.isSecure() ? FastEnqueueFilter.canonicalDevice(request, SUFFIX) : null;
        long length = request.getContentLengthLong();
        if (did == null || !FastEnqueueFilter.jsonIn(request.getContentType()) || !FastEnqueueFilter.jsonOut(request.getHeader("Accept"))
                || length < 0 || length > maxBytes || !caller(request, did)) {
            chain.doFilter(request, response);
            return;
        }
        byte[] body = request.getInputStream().readNBytes((int) length);
        DeviceQueueController.Ack ack;
        try {
            ack = reader.readValue(body);
        } catch (RuntimeException malformed) {
            ack = null;
        }
        if (ack == null || ack.epoch() == null || ack.epoch() < 1) {
            chain.doFilter(new FastEnqueueFilter.Replayed(request, body), response);
            return;
        }
        DeviceQueueController.AckResult result;
        try {
            result = DeviceQueueController.acknowledge(queues, did, ack);
        } catch (RuntimeException failed) {
            request.setAttribute(FastEnqueueFilter.FAILURE, failed);
            chain.doFilter(new FastEnqueueFilter.Replayed(request, body), response);
            return;
        }
        ServerHttpObservationFilter.findObservationContext(request).ifPresent(c -> c.setPathPattern(PATTERN));
        byte[] answer = writer.writeValueAsBytes(result);
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("application/json");
        response.setContentLength(answer.length);
        response.getOutputStream().write(answer);
    }

    /** Whether the request's certificate names {@code did} (otherwise the controller says why not). */
    private static boolean caller(HttpServletRequest request, DID did) {
        try {
            return did.equals(DeviceQueueController.certifiedDevice(request));
        } catch (RuntimeException e) {
            return false;
        }
    }
}
