package dev.aero.sp.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.sun.net.httpserver.HttpServer;

import dev.aero.common.testing.StubHttpServer;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;

/**
 * The SP changes that send devices commands, through the outbox. command-server's service API is
 * stood in for by a small HTTP server that records each delivery (and can refuse, to play
 * command-server being down).
 */
@SpServiceTest
class DeviceCommandsTest extends SpTestSupport {

    /** One delivery: method, device, body. */
    record Delivery(String method, String device, String body) { }

    private static final List<Delivery> DELIVERIES = new CopyOnWriteArrayList<>();
    private static final AtomicInteger STATUS = new AtomicInteger(200);
    private static final HttpServer COMMAND_SERVER = commandServer();

    private static HttpServer commandServer() {
        return StubHttpServer.start("/v1/devices/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = exchange.getRequestURI().getPath();
            String device = path.substring("/v1/devices/".length(), path.indexOf("/commands"));
            int status = STATUS.get();
            if (status == 200) {
                DELIVERIES.add(new Delivery(exchange.getRequestMethod(), device, body));
                byte[] answer = "{\"epoch\":1}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            } else {
                exchange.sendResponseHeaders(status, -1);
            }
            exchange.close();
        });
    }

    @DynamicPropertySource
    static void commandServerUrl(DynamicPropertyRegistry registry) {
        registry.add("aero.sp.commands.url", () -> StubHttpServer.url(COMMAND_SERVER));
    }

    @AfterAll
    static void stopCommandServer() {
        COMMAND_SERVER.stop(0);
    }

    private static List<Delivery> awaitDeliveries(String device, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<Delivery> mine = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            mine = DELIVERIES.stream().filter(d -> d.device().equals(device)).toList();
            if (mine.size() >= n) {
                return mine;
            }
            Thread.sleep(20);
        }
        return mine;
    }

    @Test
    void unlinkWithWipeReplacesTheDevicesQueueAndTellsTheOtherDevicesToRefetchTheCrl() throws Exception {
        Account owner = member("unlinker");
        RegisteredDevice gone = register(owner);
        RegisteredDevice stays = register(owner);
        owner.client().unlinkDevice(gone.id(), true);
        assertThat(awaitDeliveries(gone.id().hex(), 1)).singleElement()
                .isEqualTo(new Delivery("PUT", gone.id().hex(), "{\"type\":\"UNLINK_AND_WIPE_SELF\"}"));
        assertThat(awaitDeliveries(stays.id().hex(), 1)).singleElement()
                .isEqualTo(new Delivery("POST", stays.id().hex(), "{\"type\":\"REFRESH_CRL\"}"));
        assertThat(awaitOutboxEmptyFor(gone.id().hex(), stays.id().hex())).as("delivered rows are deleted").isTrue();
    }

    @Test
    void renamingADeviceTellsTheOwnersOtherDevices() throws Exception {
        Account owner = member("renamer");
        RegisteredDevice renamed = register(owner);
        RegisteredDevice other = register(owner);
        owner.client().renameDevice(renamed.id(), "Laptop");
        assertThat(awaitDeliveries(other.id().hex(), 1)).singleElement()
                .isEqualTo(new Delivery("POST", other.id().hex(), "{\"type\":\"INVALIDATE_DEVICE_NAME_CACHE\"}"));
        Thread.sleep(300);
        assertThat(DELIVERIES.stream().filter(d -> d.device().equals(renamed.id().hex()))).isEmpty();
    }

    @Test
    void changingAUsersNameTellsItsDevices() throws Exception {
        Account user = member("namechanger");
        RegisteredDevice device = register(user);
        user.client().updateName("New", "Name");
        assertThat(awaitDeliveries(device.id().hex(), 1)).singleElement()
                .isEqualTo(new Delivery("POST", device.id().hex(), "{\"type\":\"INVALIDATE_USER_NAME_CACHE\"}"));
    }

    @Test
    void anAdminAsksADeviceForItsLogs() throws Exception {
        Account admin = admin();
        Account owner = member("logs");
        RegisteredDevice device = register(owner);
        String adminToken = anonymous().signIn(admin.email(), PASSWORD).token();
        String ownerToken = anonymous().signIn(owner.email(), PASSWORD).token();
        var response = raw("POST", "/api/v1/devices/" + device.id().hex() + "/logs-request", "application/json",
                "{\"defect_id\":\"case-77\",\"expires_in_hours\":2}", adminToken);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(response.body()).contains("\"defect_id\":\"case-77\"");
        Delivery d = awaitDeliveries(device.id().hex(), 1).getFirst();
        assertThat(d.method()).isEqualTo("POST");
        assertThat(d.body()).startsWith("{\"type\":\"UPLOAD_LOGS\",\"upload_logs\":{\"defect_id\":\"case-77\",\"expiry_time\":");
        // Members may not, and bad input is refused.
        assertThat(raw("POST", "/api/v1/devices/" + device.id().hex() + "/logs-request", "application/json", "{}",
                ownerToken).statusCode()).isEqualTo(403);
        assertThat(raw("POST", "/api/v1/devices/" + device.id().hex() + "/logs-request", "application/json",
                "{\"defect_id\":\"bad id\"}", adminToken).statusCode()).isEqualTo(400);
        assertThat(raw("POST", "/api/v1/devices/" + device.id().hex() + "/logs-request", "application/json",
                "{\"expires_in_hours\":100000}", adminToken).statusCode()).isEqualTo(400);
    }

    @Test
    void commandsWaitInTheOutboxWhileCommandServerIsDownAndArriveInOrderAfter() throws Exception {
        Account owner = member("patient");
        RegisteredDevice gone = register(owner);
        RegisteredDevice other = register(owner);
        STATUS.set(503);
        try {
            owner.client().renameDevice(other.id(), "Desk");
            owner.client().unlinkDevice(gone.id(), false);
            Thread.sleep(1500);
            // The rename's INVALIDATE for `gone`, the unlink for `gone`, and REFRESH_CRL for `other`.
            assertThat(pending(gone.id().hex(), other.id().hex())).isEqualTo(3);
            assertThat(jdbc.queryForObject("SELECT MAX(attempts) FROM command_outbox WHERE device_id IN (?, ?)", Integer.class,
                    gone.id().hex(), other.id().hex())).isPositive();
        } finally {
            STATUS.set(200);
        }
        assertThat(awaitDeliveries(gone.id().hex(), 2)).extracting(Delivery::body)
                .containsExactly("{\"type\":\"INVALIDATE_DEVICE_NAME_CACHE\"}", "{\"type\":\"UNLINK_SELF\"}");
        assertThat(awaitOutboxEmptyFor(gone.id().hex(), other.id().hex())).isTrue();
    }

    private int pending(String a, String b) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM command_outbox WHERE device_id IN (?, ?)", Integer.class, a, b);
    }

    private boolean awaitOutboxEmptyFor(String a, String b) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (pending(a, b) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return pending(a, b) == 0;
    }
}
