package dev.aero.sp.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.sun.net.httpserver.HttpServer;

import tools.jackson.databind.JsonNode;

import dev.aero.common.testing.StubHttpServer;
import dev.aero.client.sp.Device;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;

/**
 * Device lists (the user's own, and the organization's for admins, a page at a time) and details
 * carry last seen and online state from devman, and still answer,
 * quickly and without that data, when devman is slow or down. devman's status API is stood in
 * for by a small HTTP server that answers from the request (or stalls, or refuses).
 */
@SpServiceTest
class DevicePresenceTest extends SpTestSupport {

    private static final Instant SEEN = Instant.parse("2026-11-20T10:15:30Z");
    /** 0 answer, 1 stall for 3 s, 2 answer 500. */
    private static final AtomicInteger MODE = new AtomicInteger();
    private static final AtomicInteger REQUESTS = new AtomicInteger();
    private static final List<String> AUTHORIZATIONS = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static final HttpServer DEVMAN = devman();

    private static HttpServer devman() {
        return StubHttpServer.start("/v1/devices/status", exchange -> {
            REQUESTS.incrementAndGet();
            AUTHORIZATIONS.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
            int mode = MODE.get();
            if (mode == 1) {
                try {
                    Thread.sleep(3000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (mode == 2) {
                exchange.sendResponseHeaders(500, -1);
                exchange.close();
                return;
            }
            List<String> devices = new ArrayList<>();
            for (JsonNode did : request.path("devices")) {
                devices.add("{\"did\":\"" + did.asString() + "\",\"last_seen_time\":\"" + SEEN + "\",\"ip_address\":\"192.0.2.1\","
                        + "\"online\":true,\"online_via\":[\"ssmp\"]}");
            }
            byte[] answer = ("{\"devices\":[" + String.join(",", devices) + "]}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
    }

    @DynamicPropertySource
    static void devmanUrl(DynamicPropertyRegistry registry) {
        registry.add("aero.sp.devman.url", () -> StubHttpServer.url(DEVMAN));
        registry.add("aero.sp.devman.backoff", () -> "2s");
    }

    @AfterAll
    static void stopDevman() {
        DEVMAN.stop(0);
    }

    @Test
    void listsAndDetailsShowLastSeenAndOnlineStateFromDevman() {
        MODE.set(0);
        Account owner = member("presence");
        RegisteredDevice device = register(owner);
        Device listed = owner.client().devices().getFirst();
        assertThat(listed.lastSeenTime()).isEqualTo(SEEN);
        assertThat(listed.online()).isTrue();
        assertThat(listed.onlineVia()).containsExactly("ssmp");
        Device one = owner.client().device(device.id());
        assertThat(one.lastSeenTime()).isEqualTo(SEEN);
        assertThat(AUTHORIZATIONS).allSatisfy(a -> assertThat(a).startsWith("Aero-Service-Shared-Secret sp-service "));
    }

    @Test
    void anAdminListsEveryLinkedDeviceOfTheOrganizationAPageAtATimeWithPresence() throws Exception {
        MODE.set(0);
        Account alice = member("org-devices-a");
        Account bob = member("org-devices-b");
        RegisteredDevice a1 = register(alice);
        RegisteredDevice a2 = register(alice);
        RegisteredDevice b1 = register(bob);
        RegisteredDevice gone = register(bob);
        bob.client().unlinkDevice(gone.id(), false);

        // Every page, one device at a time: each linked device once, in id order, none unlinked.
        List<dev.aero.common.id.DID> seen = new ArrayList<>();
        dev.aero.common.id.DID after = null;
        do {
            dev.aero.client.sp.DevicePage page = admin().client().organizationDevices(after, null, 1);
            assertThat(page.devices()).hasSizeLessThanOrEqualTo(1);
            page.devices().forEach(d -> {
                seen.add(d.deviceId());
                assertThat(d.online()).as("presence from devman").isTrue();
                assertThat(d.lastSeenTime()).isEqualTo(SEEN);
            });
            after = page.nextAfter();
        } while (after != null);
        assertThat(seen).contains(a1.id(), a2.id(), b1.id()).doesNotContain(gone.id()).doesNotHaveDuplicates()
                .isSortedAccordingTo(java.util.Comparator.comparing(dev.aero.common.id.DID::hex));

        // One owner's devices.
        dev.aero.client.sp.DevicePage alices = admin().client().organizationDevices(null, dev.aero.common.id.UserID.of(alice.email()), 1000);
        assertThat(alices.devices()).extracting(Device::deviceId).containsExactlyInAnyOrder(a1.id(), a2.id());
        assertThat(alices.devices()).extracting(Device::owner).containsOnly(dev.aero.common.id.UserID.of(alice.email()));
        assertThat(alices.nextAfter()).isNull();

        // Members are refused; bad paging is a 400.
        assertProblem(problem(() -> alice.client().organizationDevices(null, null, 10)), 403, "admin-required");
        String token = anonymous().signIn(admin().email(), PASSWORD).token();
        for (String bad : List.of("limit=0", "limit=1001", "after=nothex", "owner=not%20an%20address")) {
            assertProblemResponse(raw("GET", "/api/v1/organizations/me/devices?" + bad, null, null, token), 400);
        }
    }

    @Test
    void aSlowOrFailingDevmanLeavesThePresenceOutAndIsLeftAloneForAWhile() throws Exception {
        Account owner = member("nodevman");
        RegisteredDevice device = register(owner);
        Thread.sleep(2100); // past any backoff left by another test
        MODE.set(1);
        long start = System.nanoTime();
        Device listed = owner.client().devices().getFirst();
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(listed.deviceId()).isEqualTo(device.id());
        assertThat(listed.lastSeenTime()).isNull();
        assertThat(listed.online()).isNull();
        assertThat(tookMs).as("answered after the 1 s timeout, not devman's 3 s").isLessThan(2500);

        // Within the backoff devman is not asked at all.
        int asked = REQUESTS.get();
        assertThat(owner.client().device(device.id()).online()).isNull();
        assertThat(REQUESTS.get()).isEqualTo(asked);

        Thread.sleep(2100);
        MODE.set(2);
        assertThat(owner.client().device(device.id()).online()).isNull();
        assertThat(REQUESTS.get()).isEqualTo(asked + 1);
        Thread.sleep(2100);
        MODE.set(0);
        assertThat(owner.client().device(device.id()).online()).isTrue();
    }
}
