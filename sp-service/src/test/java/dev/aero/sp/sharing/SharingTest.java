package dev.aero.sp.sharing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import dev.aero.common.id.SID;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.ca.DeviceTlsListener;
import tools.jackson.databind.JsonNode;

/** The rules of shared folders through SP's REST API, against real MariaDB. */
@SpServiceTest
class SharingTest extends SharingTestSupport {

    @Autowired
    DeviceTlsListener deviceListener;

    private void invite(User owner, String sid, User invitee, String role) throws Exception {
        ok(call(owner, "POST", "/shared-folders/" + sid + "/members", "{\"email\":\"" + invitee.email() + "\",\"role\":\"" + role + "\"}"), 201);
    }

    @Test
    void theCreatorIsAJoinedOwnerAndAClientSuppliedSidIsKeptOnceOnly() throws Exception {
        User alice = user("alice");
        JsonNode made = ok(call(alice, "POST", "/shared-folders", "{\"name\":\"  Photos  \"}"), 201);
        assertThat(made.get("name").asString()).isEqualTo("Photos");
        assertThat(made.get("role").asString()).isEqualTo("OWNER");
        assertThat(made.get("state").asString()).isEqualTo("JOINED");
        assertThat(made.get("sid").asString()).matches("[0-9a-f]{32}");

        String sid = SID.random().hex();
        ok(call(alice, "POST", "/shared-folders", "{\"name\":\"Docs\",\"sid\":\"" + sid + "\"}"), 201);
        problem(call(user("bob"), "POST", "/shared-folders", "{\"name\":\"Mine\",\"sid\":\"" + sid + "\"}"), 409, "shared-folder-exists");
        problem(call(alice, "POST", "/shared-folders", "{\"name\":\"X\",\"sid\":\"ABC\"}"), 400, "invalid-identifier");

        JsonNode list = ok(call(alice, "GET", "/shared-folders", null), 200).get("folders");
        assertThat(list).hasSize(2);
        JsonNode one = ok(call(alice, "GET", "/shared-folders/" + sid, null), 200);
        assertThat(one.get("members")).hasSize(1);
        assertThat(one.get("members").get(0).get("email").asString()).isEqualTo(alice.email());
        assertThat(one.get("members").get(0).get("role").asString()).isEqualTo("OWNER");
    }

    @Test
    void badNamesAreRefusedAndNothingIsCreated() throws Exception {
        User alice = user("names");
        int before = count("shared_folders");
        problem(call(alice, "POST", "/shared-folders", "{\"name\":\"   \"}"), 400, "folder-name-invalid");
        problem(call(alice, "POST", "/shared-folders", "{\"name\":\"a\\u0007b\"}"), 400, "folder-name-invalid");
        problem(call(alice, "POST", "/shared-folders", "{\"name\":\"" + "x".repeat(256) + "\"}"), 400, "folder-name-invalid");
        problem(call(alice, "POST", "/shared-folders", "{\"name\":\"" + "x".repeat(1025) + "\"}"), 400, "validation");
        assertThat(count("shared_folders")).isEqualTo(before);
    }

    @Test
    void anInviteeIsPendingUntilItJoinsAndMayLeaveIgnoreOrBeInvitedAgain() throws Exception {
        User owner = user("owner");
        User bob = user("bob");
        User carol = user("carol");
        String sid = share(owner, "Team");
        invite(owner, sid, bob, "EDITOR");
        problem(call(owner, "POST", "/shared-folders/" + sid + "/members", "{\"email\":\"" + bob.email() + "\",\"role\":\"VIEWER\"}"),
                409, "member-exists");
        assertThat(ok(call(bob, "GET", "/shared-folders", null), 200).get("folders").get(0).get("state").asString()).isEqualTo("PENDING");

        JsonNode joined = ok(call(bob, "POST", "/shared-folders/" + sid + "/join", null), 200);
        assertThat(joined.get("state").asString()).isEqualTo("JOINED");
        assertThat(joined.get("role").asString()).isEqualTo("EDITOR");
        ok(call(bob, "POST", "/shared-folders/" + sid + "/leave", null), 204);
        problem(call(bob, "POST", "/shared-folders/" + sid + "/leave", null), 409, "not-joined");
        // A LEFT member invited again is PENDING with the new role.
        invite(owner, sid, bob, "VIEWER");
        JsonNode again = ok(call(bob, "GET", "/shared-folders", null), 200).get("folders").get(0);
        assertThat(again.get("state").asString()).isEqualTo("PENDING");
        assertThat(again.get("role").asString()).isEqualTo("VIEWER");

        invite(owner, sid, carol, "VIEWER");
        ok(call(carol, "POST", "/shared-folders/" + sid + "/ignore", null), 204);
        assertThat(ok(call(carol, "GET", "/shared-folders", null), 200).get("folders")).isEmpty();
        problem(call(carol, "GET", "/shared-folders/" + sid, null), 404, "shared-folder-not-found");
    }

    @Test
    void theLastOwnerCannotLeaveBeDemotedOrRemoved() throws Exception {
        User owner = user("last");
        User editor = user("editor");
        String sid = share(owner, "Only owner");
        invite(owner, sid, editor, "EDITOR");
        ok(call(editor, "POST", "/shared-folders/" + sid + "/join", null), 200);
        problem(call(owner, "POST", "/shared-folders/" + sid + "/leave", null), 409, "last-owner");
        problem(call(owner, "PUT", "/shared-folders/" + sid + "/members/" + owner.email(), "{\"role\":\"EDITOR\"}"), 409, "last-owner");
        problem(call(owner, "DELETE", "/shared-folders/" + sid + "/members/" + owner.email(), null), 409, "last-owner");
        // With a second owner, the first may go.
        ok(call(owner, "PUT", "/shared-folders/" + sid + "/members/" + editor.email(), "{\"role\":\"OWNER\"}"), 200);
        ok(call(owner, "POST", "/shared-folders/" + sid + "/leave", null), 204);
    }

    @Test
    void nonMembersGet404AndMembersWithoutManageGet403() throws Exception {
        User owner = user("keeper");
        User viewer = user("viewer");
        User stranger = user("stranger");
        String sid = share(owner, "Guarded");
        invite(owner, sid, viewer, "VIEWER");
        ok(call(viewer, "POST", "/shared-folders/" + sid + "/join", null), 200);
        String invite = "{\"email\":\"" + stranger.email() + "\",\"role\":\"VIEWER\"}";
        List<String[]> manage = List.of(
                new String[] { "PATCH", "/shared-folders/" + sid, "{\"name\":\"Renamed\"}" },
                new String[] { "DELETE", "/shared-folders/" + sid, null },
                new String[] { "POST", "/shared-folders/" + sid + "/members", invite },
                new String[] { "PUT", "/shared-folders/" + sid + "/members/" + owner.email(), "{\"role\":\"VIEWER\"}" },
                new String[] { "DELETE", "/shared-folders/" + sid + "/members/" + owner.email(), null });
        for (String[] c : manage) {
            problem(call(viewer, c[0], c[1], c[2]), 403, "manage-permission-required");
            problem(call(stranger, c[0], c[1], c[2]), 404, "shared-folder-not-found");
        }
        for (String path : List.of("", "/join", "/leave", "/ignore")) {
            problem(call(stranger, path.isEmpty() ? "GET" : "POST", "/shared-folders/" + sid + path, null), 404, "shared-folder-not-found");
        }
        JsonNode after = ok(call(owner, "GET", "/shared-folders/" + sid, null), 200);
        assertThat(after.get("name").asString()).isEqualTo("Guarded");
        assertThat(after.get("members")).hasSize(2);
    }

    @Test
    void anAdminOfTheOrganizationMayRemoveMembersAndDestroyAnyFolder() throws Exception {
        User admin = adminUser();
        User owner = user("solo");
        User guest = user("guest");
        String sid = share(owner, "Private");
        invite(owner, sid, guest, "EDITOR");
        assertThat(ok(call(admin, "GET", "/shared-folders/" + sid, null), 200).get("members")).hasSize(2);
        ok(call(admin, "DELETE", "/shared-folders/" + sid + "/members/" + guest.email(), null), 204);
        problem(call(admin, "PATCH", "/shared-folders/" + sid, "{\"name\":\"Mine now\"}"), 403, "manage-permission-required");
        ok(call(admin, "DELETE", "/shared-folders/" + sid, null), 204);
        problem(call(owner, "GET", "/shared-folders/" + sid, null), 404, "shared-folder-not-found");
        // A destroyed folder's id is not handed out again.
        problem(call(owner, "POST", "/shared-folders", "{\"name\":\"Again\",\"sid\":\"" + sid + "\"}"), 409, "shared-folder-exists");
    }

    @Test
    void onlyTheUsersWhoseAclChangesGetANewEpoch() throws Exception {
        User owner = user("e-owner");
        User member = user("e-member");
        User invitee = user("e-invitee");
        User outsider = user("e-outsider");
        String sid = share(owner, "Epochs");
        String other = share(outsider, "Elsewhere");
        long o0 = epoch(owner), m0 = epoch(member), i0 = epoch(invitee), x0 = epoch(outsider);

        invite(owner, sid, member, "EDITOR");
        assertThat(List.of(epoch(owner), epoch(member))).as("an invitation changes no ACL").containsExactly(o0, m0);
        ok(call(member, "POST", "/shared-folders/" + sid + "/join", null), 200);
        assertThat(epoch(owner)).isEqualTo(o0 + 1);
        assertThat(epoch(member)).isEqualTo(m0 + 1);
        invite(owner, sid, invitee, "VIEWER");
        ok(call(owner, "PATCH", "/shared-folders/" + sid, "{\"name\":\"Epochs 2\"}"), 200);
        assertThat(epoch(owner)).isEqualTo(o0 + 2);
        assertThat(epoch(member)).isEqualTo(m0 + 2);
        assertThat(epoch(invitee)).as("a PENDING member's ACL lists no folder").isEqualTo(i0);
        assertThat(epoch(outsider)).as("a change in another folder").isEqualTo(x0);
        ok(call(outsider, "PATCH", "/shared-folders/" + other, "{\"name\":\"Elsewhere 2\"}"), 200);
        assertThat(epoch(owner)).isEqualTo(o0 + 2);
        assertThat(epoch(outsider)).isEqualTo(x0 + 1);
        ok(call(owner, "DELETE", "/shared-folders/" + sid + "/members/" + member.email(), null), 204);
        assertThat(epoch(owner)).isEqualTo(o0 + 3);
        assertThat(epoch(member)).isEqualTo(m0 + 3);
    }

    @Test
    void aDeviceReadsItsUsersAclOnlyWhenItIsBehind() throws Exception {
        Account ownerAccount = member("acl-owner");
        User owner = new User(ownerAccount.email(), anonymous().signIn(ownerAccount.email(), PASSWORD).token());
        User peer = user("acl-peer");
        RegisteredDevice device = register(ownerAccount);
        String sid = share(owner, "Synced");
        String pending = share(peer, "Not yet");
        invite(owner, sid, peer, "EDITOR");
        ok(call(peer, "POST", "/shared-folders/" + sid + "/join", null), 200);
        invite(peer, pending, owner, "VIEWER");

        JsonNode acl = acl(device, 0);
        long epoch = acl.get("epoch").asLong();
        assertThat(epoch).isEqualTo(epoch(owner));
        List<String> sids = new ArrayList<>();
        acl.get("stores").forEach(s -> sids.add(s.get("sid").asString()));
        assertThat(sids).containsExactly(sid);
        JsonNode store = acl.get("stores").get(0);
        assertThat(store.get("name").asString()).isEqualTo("Synced");
        assertThat(store.get("role").asString()).isEqualTo("OWNER");
        assertThat(store.get("permissions").toString()).isEqualTo("[\"WRITE\",\"MANAGE\"]");
        assertThat(store.get("members")).hasSize(2);

        JsonNode current = acl(device, epoch);
        assertThat(current.get("epoch").asLong()).isEqualTo(epoch);
        assertThat(current.has("stores")).as("up to date: the epoch alone").isFalse();
    }

    @Test
    void theAclAfterARenameOrARoleChangeShowsItWhateverSpKept() throws Exception {
        Account ownerAccount = member("kept-owner");
        User owner = new User(ownerAccount.email(), anonymous().signIn(ownerAccount.email(), PASSWORD).token());
        User peer = user("kept-peer");
        RegisteredDevice device = register(ownerAccount);
        String sid = share(owner, "Before");
        invite(owner, sid, peer, "VIEWER");
        ok(call(peer, "POST", "/shared-folders/" + sid + "/join", null), 200);
        JsonNode first = acl(device, 0);
        assertThat(first.get("stores").get(0).get("members").toString()).contains("\"VIEWER\"");

        // A rename: a new epoch and name; the members, kept by folder version, are the same.
        ok(call(owner, "PATCH", "/shared-folders/" + sid, "{\"name\":\"After\"}"), 200);
        JsonNode renamed = acl(device, first.get("epoch").asLong());
        assertThat(renamed.get("epoch").asLong()).isGreaterThan(first.get("epoch").asLong());
        assertThat(renamed.get("stores").get(0).get("name").asString()).isEqualTo("After");
        assertThat(renamed.get("stores").get(0).get("members")).isEqualTo(first.get("stores").get(0).get("members"));

        // A role change moves the folder's version: the kept member list is not served again.
        ok(call(owner, "PUT", "/shared-folders/" + sid + "/members/" + peer.email(), "{\"role\":\"EDITOR\"}"), 200);
        JsonNode promoted = acl(device, renamed.get("epoch").asLong());
        String members = promoted.get("stores").get(0).get("members").toString();
        assertThat(members).contains("\"EDITOR\"").doesNotContain("\"VIEWER\"");
        assertThat(promoted.get("stores").get(0).get("name").asString()).isEqualTo("After");
    }

    @Test
    void sixteenConcurrentJoinsEachMoveTheOwnersEpochOnce() throws Exception {
        User owner = user("busy-owner");
        String sid = share(owner, "Busy");
        List<User> joiners = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            User u = user("joiner" + i);
            invite(owner, sid, u, "EDITOR");
            joiners.add(u);
        }
        long before = epoch(owner);
        List<java.util.concurrent.Future<Integer>> results = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(16)) {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            for (User u : joiners) {
                results.add(pool.submit(() -> {
                    go.await();
                    return call(u, "POST", "/shared-folders/" + sid + "/join", null).statusCode();
                }));
            }
            go.countDown();
            for (var r : results) {
                assertThat(r.get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(200);
            }
        }
        assertThat(epoch(owner)).isEqualTo(before + 16);
        JsonNode members = ok(call(owner, "GET", "/shared-folders/" + sid, null), 200).get("members");
        assertThat(members).hasSize(17);
        members.forEach(m -> assertThat(m.get("state").asString()).isEqualTo("JOINED"));
        for (User u : joiners) {
            assertThat(epoch(u)).as("each joiner sees its join and every later one").isGreaterThan(1);
        }
    }

    @Test
    void servicesReadTheStoresADeviceMaySync() throws Exception {
        Account ownerAccount = member("st-owner");
        User owner = new User(ownerAccount.email(), anonymous().signIn(ownerAccount.email(), PASSWORD).token());
        User peer = user("st-peer");
        RegisteredDevice device = register(ownerAccount);
        String joined = share(owner, "Joined");
        String pending = share(peer, "Pending");
        invite(peer, pending, owner, "VIEWER");
        String left = share(peer, "Left");
        invite(peer, left, owner, "EDITOR");
        ok(call(owner, "POST", "/shared-folders/" + left + "/join", null), 200);
        ok(call(owner, "POST", "/shared-folders/" + left + "/leave", null), 204);

        String path = "/api/v1/internal/devices/" + device.id().hex() + "/stores";
        HttpResponse<String> r = serviceCall(path, "Aero-Service-Shared-Secret verkehr-push test-deployment-secret");
        JsonNode stores = ok(r, 200);
        assertThat(stores.get("user").asString()).isEqualTo(owner.email());
        assertThat(stores.get("stores").toString()).isEqualTo("[\"" + joined + "\"]");
        assertProblemResponse(serviceCall(path, "Aero-Service-Shared-Secret verkehr-push wrong"), 401);
        assertProblemResponse(serviceCall("/api/v1/internal/devices/" + SID.random().hex() + "/stores",
                "Aero-Service-Shared-Secret verkehr-push test-deployment-secret"), 404);
        assertProblemResponse(raw("GET", path, null, null, owner.token()), 401);
    }

    private HttpResponse<String> serviceCall(String path, String authorization) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(baseUrl().resolve(path)).header("Authorization", authorization)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theClientSdkDrivesAFolderFromSharingToTheDevicesAcl() throws Exception {
        Account alice = member("sdk-alice");
        Account bob = member("sdk-bob");
        SID sid = SID.random();
        dev.aero.client.sp.SharedFolder made = alice.client().createSharedFolder("Shared by SDK", sid);
        assertThat(made.sid()).isEqualTo(sid);
        assertThat(made.role()).isEqualTo("OWNER");
        alice.client().inviteToSharedFolder(sid, bob.email(), "EDITOR");
        assertThat(bob.client().sharedFolders()).extracting(dev.aero.client.sp.SharedFolder::state).containsExactly("PENDING");
        assertThat(bob.client().joinSharedFolder(sid).state()).isEqualTo("JOINED");
        assertThat(alice.client().sharedFolder(sid).members()).extracting(m -> m.email() + " " + m.role() + " " + m.state())
                .containsExactlyInAnyOrder(alice.email() + " OWNER JOINED", bob.email() + " EDITOR JOINED");

        RegisteredDevice device = register(bob);
        dev.aero.client.sp.SpClient asDevice = dev.aero.client.sp.SpClient.builder(URI.create("https://127.0.0.1:" + deviceListener.localPort()))
                .sslContext(device.keys().sslContext(device.certificate().certificate(), device.certificate().caCertificate())).build();
        dev.aero.client.sp.Acl acl = asDevice.acl(0);
        assertThat(acl.stores()).extracting(dev.aero.client.sp.Acl.Store::sid).containsExactly(sid);
        assertThat(asDevice.acl(acl.epoch()).stores()).isNull();

        bob.client().leaveSharedFolder(sid);
        assertThat(asDevice.acl(acl.epoch()).stores()).isEmpty();
        alice.client().destroySharedFolder(sid);
        assertThat(alice.client().sharedFolders()).isEmpty();
    }

    @Test
    void aDeactivatedUserLeavesEveryFolderAndItsLastOwnedFoldersPassToTheAdmin() throws Exception {
        User admin = adminUser();
        User gone = user("gone");
        User peer = user("stays");
        String owned = share(gone, "Owned by the leaver");
        invite(gone, owned, peer, "EDITOR");
        ok(call(peer, "POST", "/shared-folders/" + owned + "/join", null), 200);
        String joined = share(peer, "Peer's");
        invite(peer, joined, gone, "EDITOR");
        ok(call(gone, "POST", "/shared-folders/" + joined + "/join", null), 200);
        long peerEpoch = epoch(peer);

        ok(call(admin, "POST", "/organizations/me/members/" + gone.email() + "/deactivate", "{\"erase_devices\":false}"), 200);
        JsonNode ownedNow = ok(call(peer, "GET", "/shared-folders/" + owned, null), 200);
        List<String> members = new ArrayList<>();
        ownedNow.get("members").forEach(m -> members.add(m.get("email").asString() + " " + m.get("role").asString()));
        assertThat(members).containsExactlyInAnyOrder(peer.email() + " EDITOR", admin.email() + " OWNER");
        assertThat(ok(call(peer, "GET", "/shared-folders/" + joined, null), 200).get("members")).hasSize(1);
        assertThat(epoch(peer)).as("both folders' member lists changed").isGreaterThan(peerEpoch);
    }

    @Test
    void anAdminPagesThroughEveryFolderOfTheOrganization() throws Exception {
        User admin = adminUser();
        User owner = user("paged");
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            made.add(share(owner, "Paged " + i));
        }
        List<String> seen = new ArrayList<>();
        String after = null;
        do {
            JsonNode page = ok(call(admin, "GET", "/organizations/me/shared-folders?limit=2" + (after == null ? "" : "&after=" + after),
                    null), 200);
            page.get("folders").forEach(f -> seen.add(f.get("sid").asString()));
            after = page.get("next_after").isNull() ? null : page.get("next_after").asString();
        } while (after != null);
        assertThat(seen).containsAll(made).doesNotHaveDuplicates();
        assertThat(seen).isSorted();
        problem(call(owner, "GET", "/organizations/me/shared-folders", null), 403, "admin-required");
        problem(call(admin, "GET", "/organizations/me/shared-folders?limit=1001", null), 400, "validation");
        problem(call(admin, "GET", "/organizations/me/shared-folders?member=not-an-address", null), 400, "invalid-identifier");
        JsonNode ofOwner = ok(call(admin, "GET", "/organizations/me/shared-folders?limit=1000&member="
                + owner.email().toUpperCase(java.util.Locale.ROOT), null), 200);
        List<String> owned = new ArrayList<>();
        ofOwner.get("folders").forEach(f -> owned.add(f.get("sid").asString()));
        assertThat(owned).as("the address is matched whatever its case").containsExactlyInAnyOrderElementsOf(made);
    }

    @Test
    void aTeamServerSeesEveryJoinedFolderOfItsOrganizationAndHearsOfEachChange() throws Exception {
        User owner = user("ts-owner");
        User joiner = user("ts-joiner");
        dev.aero.common.id.DID tsId = dev.aero.common.id.DID.random();
        dev.aero.client.device.DeviceKeys keys = dev.aero.client.device.DeviceKeys.generate();
        dev.aero.client.sp.TeamServerCertificate ts = admin().client().registerTeamServer(
                new dev.aero.client.sp.RegisterDevice(keys.certificationRequestPem(tsId), "team server", "Linux", "Debian 12"));
        dev.aero.client.sp.SpClient asTeamServer = dev.aero.client.sp.SpClient.builder(
                URI.create("https://127.0.0.1:" + deviceListener.localPort()))
                .sslContext(keys.sslContext(ts.certificate(), ts.caCertificate())).build();
        long before = asTeamServer.acl(0).epoch();

        String sid = share(owner, "Synced by the team server");
        String leftBehind = share(owner, "Left behind");
        ok(call(owner, "POST", "/shared-folders/" + leftBehind + "/members",
                "{\"email\":\"" + joiner.email() + "\",\"role\":\"OWNER\"}"), 201);
        ok(call(owner, "POST", "/shared-folders/" + leftBehind + "/leave", null), 204);
        dev.aero.client.sp.Acl acl = asTeamServer.acl(0);
        assertThat(acl.epoch()).isGreaterThan(before);
        assertThat(acl.stores()).extracting(dev.aero.client.sp.Acl.Store::sid)
                .as("folders nobody has JOINED are not synced").contains(SID.of(sid)).doesNotContain(SID.of(leftBehind));
        dev.aero.client.sp.Acl.Store store = acl.stores().stream().filter(x -> x.sid().equals(SID.of(sid))).findFirst().orElseThrow();
        assertThat(store.role()).isEqualTo("EDITOR");
        assertThat(store.members()).extracting(dev.aero.client.sp.Acl.Member::user).containsExactly(owner.email());

        long seen = acl.epoch();
        ok(call(joiner, "POST", "/shared-folders/" + leftBehind + "/join", null), 200);
        dev.aero.client.sp.Acl after = asTeamServer.acl(seen);
        assertThat(after.epoch()).as("a member joined a folder of its organization").isGreaterThan(seen);
        assertThat(after.stores()).extracting(dev.aero.client.sp.Acl.Store::sid).contains(SID.of(leftBehind));
    }

    @Test
    void hostileInputIsRefusedAndChangesNothing() throws Exception {
        User owner = user("h-owner");
        User other = user("h-other");
        String sid = share(owner, "Hostile");
        problem(call(owner, "POST", "/shared-folders/" + sid + "/members", "{\"email\":\"" + other.email() + "\",\"role\":\"GOD\"}"),
                400, "malformed-request");
        problem(call(owner, "POST", "/shared-folders/" + sid + "/members", "{\"email\":\"not an address\",\"role\":\"VIEWER\"}"),
                400, "invalid-email");
        problem(call(owner, "POST", "/shared-folders/" + sid + "/members", "{\"email\":\"" + owner.email() + "\",\"role\":\"VIEWER\"}"),
                409, "member-exists");
        problem(call(owner, "POST", "/shared-folders/" + sid + "/members", "{\"email\":\"x\\u0000@example.com\",\"role\":\"VIEWER\"}"),
                400, "invalid-email");
        problem(call(owner, "GET", "/shared-folders/not-a-sid", null), 400, "invalid-identifier");
        problem(call(other, "POST", "/shared-folders/" + SID.random().hex() + "/join", null), 404, "shared-folder-not-found");
        assertThat(ok(call(owner, "GET", "/shared-folders/" + sid, null), 200).get("members")).hasSize(1);
    }

    private JsonNode acl(RegisteredDevice device, long since) throws Exception {
        HttpClient https = HttpClient.newBuilder()
                .sslContext(device.keys().sslContext(device.certificate().certificate(), device.certificate().caCertificate()))
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = https.send(HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + deviceListener.localPort() + "/api/v1/acl?since=" + since))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return ok(r, 200);
    }
}
