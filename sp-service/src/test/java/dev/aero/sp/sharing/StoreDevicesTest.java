package dev.aero.sp.sharing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.aero.client.device.DeviceKeys;
import dev.aero.client.sp.RegisterDevice;
import dev.aero.common.id.DID;
import dev.aero.common.ssmp.PlatformTopics;
import dev.aero.sp.SpServiceTest;
import tools.jackson.databind.JsonNode;

/**
 * What xmpp-bridge keeps its rooms by: each store's devices ({@code GET /internal/stores/{sid}/devices}
 * and the paged {@code GET /internal/stores}), and the SID on {@code svc/stores} after every
 * change to a store's device list. verkehr is stood in for by a server that records publishes.
 */
@SpServiceTest
class StoreDevicesTest extends SharingTestSupport {

    private static final String SERVICE = "Aero-Service-Shared-Secret xmpp-bridge test-deployment-secret";
    private static final StandInVerkehr VERKEHR = new StandInVerkehr();

    @DynamicPropertySource
    static void verkehr(DynamicPropertyRegistry registry) {
        registry.add("aero.sp.acl-push.verkehr-url", VERKEHR::url);
    }

    @AfterAll
    static void stopVerkehr() {
        VERKEHR.stop();
    }

    private record Member(User user, Account account) { }

    private Member member2(String who) {
        Account account = member(who);
        return new Member(new User(account.email(), anonymous().signIn(account.email(), PASSWORD).token()), account);
    }

    private HttpResponse<String> service(String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUrl().resolve("/api/v1" + path)).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode store(String sid) throws Exception {
        return ok(service("/internal/stores/" + sid + "/devices", SERVICE), 200);
    }

    /** The store's devices, leaving out the team servers other tests of this class registered. */
    private List<String> devices(String sid) throws Exception {
        List<String> teamServers = jdbc.queryForList("SELECT id FROM devices WHERE owner_id LIKE ':%'", String.class);
        List<String> out = new ArrayList<>();
        store(sid).get("devices").forEach(d -> out.add(d.asString()));
        out.removeAll(teamServers);
        return out;
    }

    private static List<String> storeChanges() {
        return VERKEHR.payloadsOn(PlatformTopics.STORE_CHANGES);
    }

    /** The SIDs published after the first {@code before}, from one snapshot. */
    private static List<String> since(int before) {
        List<String> changes = storeChanges();
        return changes.subList(before, changes.size());
    }

    /** Waits (polling, at most 5 s) for {@code sid} on svc/stores after the first {@code before} publishes. */
    private void awaitChange(String sid, int before) throws InterruptedException {
        StandInVerkehr.awaitPayload(() -> since(before), sid, Duration.ofSeconds(5));
    }

    @Test
    void aStoresDevicesAreItsJoinedMembersLinkedDevicesAndEachChangeIsPublished() throws Exception {
        Member owner = member2("sd-owner");
        Member peer = member2("sd-peer");
        RegisteredDevice ownerLaptop = register(owner.account());
        RegisteredDevice peerLaptop = register(peer.account());

        int mark = storeChanges().size();
        String sid = share(owner.user(), "Devices");
        awaitChange(sid, mark);
        JsonNode created = store(sid);
        assertThat(created.get("sid").asString()).isEqualTo(sid);
        assertThat(created.get("exists").asBoolean()).isTrue();
        assertThat(devices(sid)).containsExactly(ownerLaptop.id().hex());

        // Invited (PENDING): not yet a device of the store.
        ok(call(owner.user(), "POST", "/shared-folders/" + sid + "/members", "{\"email\":\"" + peer.user().email() + "\",\"role\":\"EDITOR\"}"), 201);
        assertThat(devices(sid)).containsExactly(ownerLaptop.id().hex());

        mark = storeChanges().size();
        ok(call(peer.user(), "POST", "/shared-folders/" + sid + "/join", null), 200);
        awaitChange(sid, mark);
        assertThat(devices(sid)).containsExactlyInAnyOrder(ownerLaptop.id().hex(), peerLaptop.id().hex());

        // A device certified later joins every store its owner syncs; an unlinked one leaves them.
        mark = storeChanges().size();
        RegisteredDevice peerDesktop = register(peer.account());
        awaitChange(sid, mark);
        assertThat(devices(sid)).containsExactlyInAnyOrder(ownerLaptop.id().hex(), peerLaptop.id().hex(), peerDesktop.id().hex());
        mark = storeChanges().size();
        peer.account().client().unlinkDevice(peerLaptop.id(), false);
        awaitChange(sid, mark);
        // ... and xmpp-bridge hears of the unlink itself, to end the device's XMPP sessions.
        StandInVerkehr.awaitPayload(() -> VERKEHR.payloadsOn(PlatformTopics.DEVICE_CHANGES), "unlinked " + peerLaptop.id().hex(),
                Duration.ofSeconds(5));
        assertThat(devices(sid)).containsExactlyInAnyOrder(ownerLaptop.id().hex(), peerDesktop.id().hex());

        mark = storeChanges().size();
        ok(call(peer.user(), "POST", "/shared-folders/" + sid + "/leave", null), 204);
        awaitChange(sid, mark);
        assertThat(devices(sid)).containsExactly(ownerLaptop.id().hex());

        mark = storeChanges().size();
        ok(call(owner.user(), "DELETE", "/shared-folders/" + sid, null), 204);
        awaitChange(sid, mark);
        JsonNode destroyed = store(sid);
        assertThat(destroyed.get("exists").asBoolean()).isFalse();
        assertThat(destroyed.get("devices")).isEmpty();
    }

    @Test
    void aRemovedOrDeactivatedMembersDevicesLeaveTheStore() throws Exception {
        User admin = adminUser();
        Member owner = member2("sd-remover");
        Member removed = member2("sd-removed");
        Member gone = member2("sd-gone");
        RegisteredDevice ownerLaptop = register(owner.account());
        RegisteredDevice removedLaptop = register(removed.account());
        RegisteredDevice goneLaptop = register(gone.account());
        String sid = share(owner.user(), "Removals");
        for (Member m : List.of(removed, gone)) {
            ok(call(owner.user(), "POST", "/shared-folders/" + sid + "/members", "{\"email\":\"" + m.user().email() + "\",\"role\":\"VIEWER\"}"), 201);
            ok(call(m.user(), "POST", "/shared-folders/" + sid + "/join", null), 200);
        }
        assertThat(devices(sid)).containsExactlyInAnyOrder(ownerLaptop.id().hex(), removedLaptop.id().hex(), goneLaptop.id().hex());

        int mark = storeChanges().size();
        ok(call(owner.user(), "DELETE", "/shared-folders/" + sid + "/members/" + removed.user().email(), null), 204);
        awaitChange(sid, mark);
        assertThat(devices(sid)).containsExactlyInAnyOrder(ownerLaptop.id().hex(), goneLaptop.id().hex());

        mark = storeChanges().size();
        ok(call(admin, "POST", "/organizations/me/members/" + gone.user().email() + "/deactivate", "{\"erase_devices\":false}"), 200);
        awaitChange(sid, mark);
        assertThat(devices(sid)).containsExactly(ownerLaptop.id().hex());
    }

    @Test
    void teamServersAreDevicesOfEveryStoreTheirOrganizationJoined() throws Exception {
        Member owner = member2("sd-ts-owner");
        String sid = share(owner.user(), "Team served");
        DID tsId = DID.random();
        int mark = storeChanges().size();
        admin().client().registerTeamServer(new RegisterDevice(DeviceKeys.generate().certificationRequestPem(tsId), "ts", "Linux", "Debian"));
        awaitChange(sid, mark);
        List<String> all = new ArrayList<>();
        store(sid).get("devices").forEach(d -> all.add(d.asString()));
        assertThat(all).contains(tsId.hex());
    }

    @Test
    void servicesPageThroughEveryStoreWithItsDevices() throws Exception {
        Member owner = member2("sd-pager");
        RegisteredDevice laptop = register(owner.account());
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            made.add(share(owner.user(), "Paged " + i));
        }
        List<String> seen = new ArrayList<>();
        String after = null;
        do {
            JsonNode page = ok(service("/internal/stores?limit=2" + (after == null ? "" : "&after=" + after), SERVICE), 200);
            assertThat(page.get("stores").size()).isLessThanOrEqualTo(2);
            for (JsonNode s : page.get("stores")) {
                seen.add(s.get("sid").asString());
                if (made.contains(s.get("sid").asString())) {
                    assertThat(s.get("devices").toString()).contains(laptop.id().hex());
                }
            }
            after = page.get("next_after").isNull() ? null : page.get("next_after").asString();
        } while (after != null);
        assertThat(seen).containsAll(made).doesNotHaveDuplicates().isSorted();
        problem(service("/internal/stores?limit=1001", SERVICE), 400, "validation");
        problem(service("/internal/stores?after=nope", SERVICE), 400, "invalid-identifier");
    }

    @Test
    void onlyServicesMayAsk() throws Exception {
        Member owner = member2("sd-private");
        String sid = share(owner.user(), "Private");
        assertProblemResponse(service("/internal/stores/" + sid + "/devices", null), 401);
        assertProblemResponse(service("/internal/stores/" + sid + "/devices", "Aero-Service-Shared-Secret xmpp-bridge wrong"), 401);
        assertProblemResponse(service("/internal/stores", null), 401);
        assertProblemResponse(raw("GET", "/api/v1/internal/stores/" + sid + "/devices", null, null, owner.user().token()), 401);
        problem(service("/internal/stores/not-a-sid/devices", SERVICE), 400, "invalid-identifier");
    }
}
