package dev.aero.commands.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.command.CommandType;
import dev.aero.common.id.DID;
import dev.aero.common.testing.TestPki;

/** Devices read and acknowledge their own queue over the device HTTPS listener, and nothing else. */
class DeviceQueueApiTest extends DeviceListenerTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int servicePort;

    private record Device(DID did, HttpClient http) { }

    private Device device() throws Exception {
        DID did = DID.random();
        SSLContext context = pki.clientContext(pki.device(did.hex(), "user@example.com"));
        return new Device(did, HttpClient.newBuilder().sslContext(context).build());
    }

    private HttpResponse<String> get(Device d, DID queue) throws Exception {
        return d.http().send(HttpRequest.newBuilder(URI.create("https://localhost:" + listener.port() + "/v1/devices/" + queue.hex() + "/head"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> ack(Device d, DID queue, String body) throws Exception {
        return d.http().send(HttpRequest.newBuilder(URI.create("https://localhost:" + listener.port() + "/v1/devices/" + queue.hex() + "/ack"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void deviceReadsTheHeadAndAcknowledgesItToGetTheNext() throws Exception {
        Device d = device();
        long first = queues.enqueue(d.did(), "4");
        long second = queues.enqueue(d.did(), "0");
        JsonNode head = JSON.readTree(get(d, d.did()).body());
        Command command = CommandCodec.fromPushPayload(head.path("command").asString());
        assertThat(command.getType()).isEqualTo(CommandType.REFRESH_CRL);
        assertThat(command.getEpoch()).isEqualTo(first);
        assertThat(head.path("queue_size").asLong()).isEqualTo(2);

        JsonNode stale = JSON.readTree(ack(d, d.did(), "{\"epoch\":" + second + "}").body());
        assertThat(stale.path("result").asString()).isEqualTo("stale");
        JsonNode acked = JSON.readTree(ack(d, d.did(), "{\"epoch\":" + first + "}").body());
        assertThat(acked.path("result").asString()).isEqualTo("acked");
        assertThat(acked.path("next").path("epoch").asLong()).isEqualTo(second);
        assertThat(acked.path("next").path("queue_size").asLong()).isEqualTo(1);
        JsonNode last = JSON.readTree(ack(d, d.did(), "{\"epoch\":" + second + "}").body());
        assertThat(last.path("next").path("command").isNull()).isTrue();
        assertThat(queues.head(d.did()).empty()).isTrue();
    }

    @Test
    void reportedErrorRetriesTheCommandLater() throws Exception {
        Device d = device();
        long epoch = queues.enqueue(d.did(), "9");
        JsonNode r = JSON.readTree(ack(d, d.did(), "{\"epoch\":" + epoch + ",\"error\":\"disk full\"}").body());
        assertThat(r.path("result").asString()).isEqualTo("retried");
        assertThat(r.path("next").path("epoch").asLong()).isGreaterThan(epoch);
        assertThat(queues.list(d.did()).getFirst().attempts()).isEqualTo(1);
    }

    @Test
    void deviceCannotReadOrAcknowledgeAnotherDevicesQueue() throws Exception {
        Device attacker = device();
        DID victim = DID.random();
        long epoch = queues.enqueue(victim, "3");
        HttpResponse<String> read = get(attacker, victim);
        assertThat(read.statusCode()).isEqualTo(403);
        assertThat(read.body()).contains("not-your-queue");
        assertThat(ack(attacker, victim, "{\"epoch\":" + epoch + "}").statusCode()).isEqualTo(403);
        assertThat(queues.head(victim).epoch()).isEqualTo(epoch);
    }

    @Test
    void withoutADeviceCertificateTheQueueIsClosed() throws Exception {
        HttpClient anonymous = HttpClient.newBuilder().sslContext(pki.clientContext(null)).build();
        DID did = DID.random();
        HttpResponse<String> tls = anonymous.send(HttpRequest.newBuilder(
                URI.create("https://localhost:" + listener.port() + "/v1/devices/" + did.hex() + "/head")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(tls.statusCode()).isEqualTo(401);
        HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + servicePort + "/v1/devices/" + did.hex() + "/head")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(plain.statusCode()).isEqualTo(401);
        assertThat(plain.body()).contains("device-certificate-required");
    }

    @Test
    void certificateFromAnotherCaFailsTheHandshake() throws Exception {
        DID did = DID.random();
        HttpClient foreign = HttpClient.newBuilder().sslContext(pki.clientContext(TestPki.foreign(did.hex()))).build();
        assertThatThrownBy(() -> foreign.send(HttpRequest.newBuilder(
                URI.create("https://localhost:" + listener.port() + "/v1/devices/" + did.hex() + "/head")).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
    }

    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    @Test
    void anAckIsAnsweredWithTheSameJsonHeadersAndMetricWhicheverPathAnswersIt() throws Exception {
        Device d = device();
        long first = queues.enqueue(d.did(), "4");
        long second = queues.enqueue(d.did(), "0");
        long counted = acksCounted();
        HttpResponse<String> r = d.http().send(HttpRequest.newBuilder(URI.create("https://localhost:" + listener.port() + "/v1/devices/"
                + d.did().hex() + "/ack")).header("Content-Type", "application/json").header("X-Request-Id", "ack-1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"epoch\":" + first + "}")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"result\":\"acked\",\"next\":{\"command\":\""
                + CommandCodec.toPushPayload(CommandCodec.fromRedisString("0", second)) + "\",\"epoch\":" + second + ",\"queue_size\":1}}");
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(r.headers().firstValue("X-Request-Id")).hasValue("ack-1");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(r.headers().firstValue("Strict-Transport-Security")).isPresent();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (acksCounted() == counted && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(acksCounted()).isEqualTo(counted + 1);
    }

    @Autowired
    ApplicationContext context;

    @Test
    void theAckFilterIsThereUnlessTheFastPathIsOff() {
        boolean fast = context.getEnvironment().getProperty("aero.commands.fast-path", Boolean.class, true);
        assertThat(context.getBeansOfType(FilterRegistrationBean.class).values().stream().anyMatch(r -> r.getFilter() instanceof FastAckFilter))
                .isEqualTo(fast);
    }

    private long acksCounted() {
        return meters.find("http.server.requests").tag("uri", "/v1/devices/{did}/ack").tag("status", "200").timers().stream()
                .mapToLong(io.micrometer.core.instrument.Timer::count).sum();
    }

    @Test
    void badAcknowledgementsAreProblems() throws Exception {
        Device d = device();
        assertThat(ack(d, d.did(), "{}").statusCode()).isEqualTo(400);
        assertThat(ack(d, d.did(), "{\"epoch\":-3}").statusCode()).isEqualTo(400);
        assertThat(ack(d, d.did(), "nonsense").statusCode()).isEqualTo(400);
    }
}
