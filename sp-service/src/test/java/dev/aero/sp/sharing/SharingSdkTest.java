package dev.aero.sp.sharing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import dev.aero.client.sp.Acl;
import dev.aero.client.sp.Group;
import dev.aero.client.sp.SharedFolder;
import dev.aero.client.sp.SharedFolderDetails;
import dev.aero.client.sp.SharedFolderPage;
import dev.aero.client.sp.SpApiException;
import dev.aero.client.sp.SpClient;
import dev.aero.common.id.SID;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.ca.DeviceTlsListener;

/** The client SDK's sharing and group calls against the real SP: what a desktop client and an admin console use. */
@SpServiceTest
class SharingSdkTest extends SharingTestSupport {

    @Test
    void groupsAndGroupGrantsThroughTheSdk() {
        Account admin = admin();
        Account member = member("sdk-member");
        Group group = admin.client().createGroup("Designers");
        assertThat(group.members()).isEmpty();
        assertThat(admin.client().addGroupMember(group.groupId(), member.email()).members()).containsExactly(member.email());
        assertThat(member.client().groups()).extracting(Group::name).contains("Designers");
        assertThat(member.client().group(group.groupId()).members()).containsExactly(member.email());

        SID sid = SID.random();
        admin.client().createSharedFolder("Mockups", sid);
        SharedFolderDetails shared = admin.client().shareWithGroup(sid, group.groupId(), "EDITOR");
        assertThat(shared.groups()).containsExactly(new SharedFolderDetails.GroupGrant(group.groupId(), "Designers", "EDITOR"));
        SharedFolderDetails.Member viaGroup = shared.members().stream().filter(m -> m.email().equals(member.email())).findFirst()
                .orElseThrow();
        assertThat(viaGroup.state()).isEqualTo("PENDING");
        assertThat(viaGroup.groups()).containsExactly(group.groupId());
        assertThat(member.client().sharedFolders()).extracting(SharedFolder::sid, SharedFolder::state)
                .contains(org.assertj.core.groups.Tuple.tuple(sid, "PENDING"));

        admin.client().unshareGroup(sid, group.groupId());
        assertThat(member.client().sharedFolders()).extracting(SharedFolder::sid).doesNotContain(sid);
        admin.client().shareWithGroup(sid, group.groupId(), "VIEWER");
        admin.client().removeGroupMember(group.groupId(), member.email());
        assertThat(member.client().sharedFolders()).extracting(SharedFolder::sid).doesNotContain(sid);
        Group renamed = admin.client().renameGroup(group.groupId(), "Illustrators");
        assertThat(renamed.name()).isEqualTo("Illustrators");
        assertThat(admin.client().sharedFolder(sid).groups()).extracting(SharedFolderDetails.GroupGrant::name)
                .containsExactly("Illustrators");
        assertThat(problem(() -> member.client().renameGroup(group.groupId(), "Mine")).status()).isEqualTo(403);
        admin.client().deleteGroup(group.groupId());
        SpApiException gone = problem(() -> admin.client().group(group.groupId()));
        assertThat(gone.status()).isEqualTo(404);
    }

    @Autowired
    DeviceTlsListener deviceListener;

    @Test
    void aDevicesAclShowsEffectiveRolesThatGroupGrantsRaise() {
        Account admin = admin();
        Account owner = member("sdk-acl-owner");
        Account editor = member("sdk-acl-editor");
        SID sid = SID.random();
        owner.client().createSharedFolder("Raised", sid);
        owner.client().inviteToSharedFolder(sid, editor.email(), "EDITOR");
        editor.client().joinSharedFolder(sid);
        RegisteredDevice device = register(editor);
        SpClient asDevice = SpClient.builder(URI.create("https://127.0.0.1:" + deviceListener.localPort()))
                .sslContext(device.keys().sslContext(device.certificate().certificate(), device.certificate().caCertificate())).build();
        Acl before = asDevice.acl(0);
        assertThat(roles(before, sid)).containsExactlyInAnyOrder(owner.email() + " OWNER", editor.email() + " EDITOR");
        RegisteredDevice ownersDevice = register(owner);
        SpClient asOwnersDevice = SpClient.builder(URI.create("https://127.0.0.1:" + deviceListener.localPort())).sslContext(
                ownersDevice.keys().sslContext(ownersDevice.certificate().certificate(), ownersDevice.certificate().caCertificate())).build();
        Acl ownersBefore = asOwnersDevice.acl(0);
        assertThat(roles(ownersBefore, sid)).as("the folder's member list, as the owner reads it")
                .containsExactlyInAnyOrder(owner.email() + " OWNER", editor.email() + " EDITOR");

        Group group = admin.client().createGroup("Raisers");
        admin.client().addGroupMember(group.groupId(), editor.email());
        owner.client().shareWithGroup(sid, group.groupId(), "OWNER");
        Acl after = asDevice.acl(before.epoch());
        assertThat(after.stores()).as("the raise moved the editor's epoch").isNotNull();
        assertThat(roles(after, sid)).containsExactlyInAnyOrder(owner.email() + " OWNER", editor.email() + " OWNER");
        assertThat(after.stores().getFirst().role()).isEqualTo("OWNER");
        assertThat(after.stores().getFirst().permissions()).containsExactlyInAnyOrder("WRITE", "MANAGE");
        Acl ownersAfter = asOwnersDevice.acl(ownersBefore.epoch());
        assertThat(roles(ownersAfter, sid)).as("another member reads the raised role too, not the list it read before")
                .containsExactlyInAnyOrder(owner.email() + " OWNER", editor.email() + " OWNER");
    }

    private static List<String> roles(Acl acl, SID sid) {
        return acl.stores().stream().filter(s -> s.sid().equals(sid)).findFirst().orElseThrow().members().stream()
                .map(m -> m.user() + " " + m.role()).toList();
    }

    @Test
    void anAdminPagesThroughTheOrganizationsFolders() {
        Account admin = admin();
        Account owner = member("sdk-pager");
        List<SID> made = List.of(SID.random(), SID.random(), SID.random());
        made.forEach(sid -> owner.client().createSharedFolder("Paged " + sid.hex().substring(0, 6), sid));
        java.util.Set<SID> seen = new java.util.HashSet<>();
        SID after = null;
        int pages = 0;
        do {
            SharedFolderPage page = admin.client().organizationSharedFolders(after, 2);
            assertThat(page.folders()).hasSizeLessThanOrEqualTo(2);
            page.folders().forEach(f -> seen.add(f.sid()));
            after = page.nextAfter();
            pages++;
        } while (after != null && pages < 100);
        assertThat(seen).containsAll(made);
        SpApiException refused = problem(() -> owner.client().organizationSharedFolders(null, 10));
        assertThat(refused.status()).isEqualTo(403);
    }

    @Test
    void anAdminPagesThroughTheFoldersOfOneMemberInEveryState() {
        Account admin = admin();
        Account owner = member("sdk-member-filter-owner");
        Account member = member("sdk-member-filter");
        SID invited = SID.random();
        SID joined = SID.random();
        SID left = SID.random();
        SID viaGroup = SID.random();
        SID notTheirs = SID.random();
        for (SID sid : List.of(invited, joined, left, viaGroup, notTheirs)) {
            owner.client().createSharedFolder("Filtered " + sid.hex().substring(0, 6), sid);
        }
        for (SID sid : List.of(invited, joined, left)) {
            owner.client().inviteToSharedFolder(sid, member.email(), "VIEWER");
        }
        member.client().joinSharedFolder(joined);
        member.client().joinSharedFolder(left);
        member.client().leaveSharedFolder(left);
        Group group = admin.client().createGroup("Filter group");
        admin.client().addGroupMember(group.groupId(), member.email());
        owner.client().shareWithGroup(viaGroup, group.groupId(), "EDITOR");

        List<SID> seen = new java.util.ArrayList<>();
        SID after = null;
        int pages = 0;
        do {
            SharedFolderPage page = admin.client().organizationSharedFolders(after, dev.aero.common.id.UserID.of(member.email()), 1);
            assertThat(page.folders()).hasSizeLessThanOrEqualTo(1);
            page.folders().forEach(f -> seen.add(f.sid()));
            after = page.nextAfter();
            pages++;
        } while (after != null && pages < 100);
        assertThat(seen).containsExactlyInAnyOrder(invited, joined, left, viaGroup).isSortedAccordingTo(
                java.util.Comparator.comparing(SID::hex));
        // Each folder comes whole, with every member, not only the one filtered by.
        SharedFolderDetails first = admin.client().organizationSharedFolders(null, dev.aero.common.id.UserID.of(member.email()), 10)
                .folders().stream().filter(f -> f.sid().equals(joined)).findFirst().orElseThrow();
        assertThat(first.members()).extracting(SharedFolderDetails.Member::email).contains(owner.email(), member.email());
        assertThat(admin.client().organizationSharedFolders(null, dev.aero.common.id.UserID.of(uniqueEmail("nobody")), 10).folders())
                .isEmpty();
        assertThat(problem(() -> owner.client().organizationSharedFolders(null, dev.aero.common.id.UserID.of(member.email()), 10))
                .status()).isEqualTo(403);
    }
}
