package dev.aero.common.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import com.sun.net.httpserver.HttpServer;

import dev.aero.common.http.ServiceHttpClient;
import dev.aero.common.management.ManagementDefaults;

class RequestIdsTest {

    @Test
    void aWellFormedIdIsKeptAndAnythingElseReplacedByAFreshOne() {
        assertThat(RequestIds.acceptOrMake("e2e-abc_1.2")).isEqualTo("e2e-abc_1.2");
        for (String bad : new String[] {null, "", "x".repeat(65), "has space", "new\nline", "é"}) {
            assertThat(RequestIds.acceptOrMake(bad)).as(String.valueOf(bad)).matches("[0-9a-f]{32}");
        }
        assertThat(RequestIds.acceptOrMake(null)).isNotEqualTo(RequestIds.acceptOrMake(null));
    }

    @Test
    void theFilterPutsTheIdInTheLogContextWhileTheRequestIsHandledAndInTheAnswer() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/x");
        request.addHeader(RequestIds.HEADER, "caller-7");
        MockHttpServletResponse response = new MockHttpServletResponse();
        AtomicReference<String> seen = new AtomicReference<>();
        new RequestIdFilter().doFilter(request, response, new MockFilterChain() {
            @Override
            public void doFilter(jakarta.servlet.ServletRequest req, jakarta.servlet.ServletResponse res) {
                seen.set(MDC.get(RequestIds.MDC_KEY));
            }
        });
        assertThat(seen.get()).isEqualTo("caller-7");
        assertThat(response.getHeader(RequestIds.HEADER)).isEqualTo("caller-7");
        assertThat(MDC.get(RequestIds.MDC_KEY)).as("after the request").isNull();

        MockHttpServletResponse fresh = new MockHttpServletResponse();
        new RequestIdFilter().doFilter(new MockHttpServletRequest("GET", "/y"), fresh, new MockFilterChain());
        assertThat(fresh.getHeader(RequestIds.HEADER)).matches("[0-9a-f]{32}");
    }

    @Test
    void aServiceCallMadeWhileHandlingARequestCarriesItsId() throws Exception {
        HttpServer other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicReference<String> received = new AtomicReference<>("none");
        other.createContext("/", exchange -> {
            received.set(String.valueOf(exchange.getRequestHeaders().getFirst(RequestIds.HEADER)));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        other.start();
        try {
            ServiceHttpClient client = new ServiceHttpClient(HttpClient.newHttpClient(), "sp-service", "secret");
            URI uri = URI.create("http://127.0.0.1:" + other.getAddress().getPort() + "/v1/stats");
            MDC.put(RequestIds.MDC_KEY, "handling-42");
            try {
                client.send("GET", uri, null, Duration.ofSeconds(5));
            } finally {
                MDC.remove(RequestIds.MDC_KEY);
            }
            assertThat(received.get()).isEqualTo("handling-42");
            client.send("GET", uri, null, Duration.ofSeconds(5));
            assertThat(received.get()).as("outside a request").isEqualTo("null");
        } finally {
            other.stop(0);
        }
    }

    @Test
    void jsonLogsAreASettingAndTextStaysTheDefault() {
        StandardEnvironment json = new StandardEnvironment();
        json.getPropertySources().addFirst(new MapPropertySource("test", Map.of("AERO_LOG_FORMAT", "json")));
        new ManagementDefaults().postProcessEnvironment(json, null);
        assertThat(json.getProperty("logging.structured.format.console")).isEqualTo("ecs");

        StandardEnvironment text = new StandardEnvironment();
        text.getPropertySources().addFirst(new MapPropertySource("test", Map.of("AERO_LOG_FORMAT", "text")));
        new ManagementDefaults().postProcessEnvironment(text, null);
        assertThat(text.getProperty("logging.structured.format.console")).isNull();
        assertThat(text.getProperty("logging.pattern.correlation")).contains("request_id");
    }
}
