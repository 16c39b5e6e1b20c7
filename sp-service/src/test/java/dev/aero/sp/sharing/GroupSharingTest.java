package dev.aero.sp.sharing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.aero.sp.SpServiceTest;
import tools.jackson.databind.JsonNode;

/** Organization groups, and folders shared with a group, through SP's REST API against real MariaDB. */
@SpServiceTest
class GroupSharingTest extends SharingTestSupport {

    private long group(User admin, String name, User... members) throws Exception {
        long id = ok(call(admin, "POST", "/groups", "{\"name\":\"" + name + "\"}"), 201).get("group_id").asLong();
        for (User m : members) {
            ok(call(admin, "POST", "/groups/" + id + "/members", "{\"email\":\"" + m.email() + "\"}"), 200);
        }
        return id;
    }

    private void shareWithGroup(User owner, String sid, long group, String role) throws Exception {
        ok(call(owner, "POST", "/shared-folders/" + sid + "/groups", "{\"group_id\":" + group + ",\"role\":\"" + role + "\"}"), 200);
    }

    private JsonNode memberOf(User owner, String sid, User who) throws Exception {
        for (JsonNode m : ok(call(owner, "GET", "/shared-folders/" + sid, null), 200).get("members")) {
            if (m.get("email").asString().equals(who.email())) {
                return m;
            }
        }
        return null;
    }

    @Test
    void aGroupGrantMakesCurrentAndLaterMembersPendingAndTheHighestGrantWins() throws Exception {
        User admin = adminUser();
        User owner = user("g-owner");
        User early = user("g-early");
        User late = user("g-late");
        long viewers = group(admin, "Viewers", early);
        String sid = share(owner, "Team drive");
        shareWithGroup(owner, sid, viewers, "VIEWER");
        JsonNode e = memberOf(owner, sid, early);
        assertThat(e.get("state").asString()).isEqualTo("PENDING");
        assertThat(e.get("role").asString()).isEqualTo("VIEWER");
        assertThat(e.get("groups").toString()).isEqualTo("[" + viewers + "]");

        ok(call(admin, "POST", "/groups/" + viewers + "/members", "{\"email\":\"" + late.email() + "\"}"), 200);
        assertThat(memberOf(owner, sid, late).get("state").asString()).as("a later member of the group").isEqualTo("PENDING");
        problem(call(owner, "POST", "/shared-folders/" + sid + "/members", "{\"email\":\"" + early.email() + "\",\"role\":\"EDITOR\"}"),
                409, "member-exists");

        ok(call(early, "POST", "/shared-folders/" + sid + "/join", null), 200);
        long ownerEpoch = epoch(owner);
        long editors = group(admin, "Editors", early);
        shareWithGroup(owner, sid, editors, "EDITOR");
        JsonNode raised = memberOf(owner, sid, early);
        assertThat(raised.get("role").asString()).isEqualTo("EDITOR");
        assertThat(raised.get("state").asString()).isEqualTo("JOINED");
        assertThat(epoch(owner)).as("a JOINED member's role changed").isEqualTo(ownerEpoch + 1);
        JsonNode folder = ok(call(owner, "GET", "/shared-folders/" + sid, null), 200);
        assertThat(folder.get("groups")).hasSize(2);
    }

    @Test
    void leavingAGroupRemovesOnlyWhatTheGroupGave() throws Exception {
        User admin = adminUser();
        User owner = user("r-owner");
        User both = user("r-both");
        User onlyGroup = user("r-only");
        String sid = share(owner, "Granted twice");
        ok(call(owner, "POST", "/shared-folders/" + sid + "/members", "{\"email\":\"" + both.email() + "\",\"role\":\"EDITOR\"}"), 201);
        long owners = group(admin, "Co-owners", both, onlyGroup);
        shareWithGroup(owner, sid, owners, "OWNER");
        ok(call(both, "POST", "/shared-folders/" + sid + "/join", null), 200);
        ok(call(onlyGroup, "POST", "/shared-folders/" + sid + "/join", null), 200);
        assertThat(memberOf(owner, sid, both).get("role").asString()).isEqualTo("OWNER");

        ok(call(admin, "DELETE", "/groups/" + owners + "/members/" + both.email(), null), 204);
        JsonNode direct = memberOf(owner, sid, both);
        assertThat(direct.get("role").asString()).as("the direct grant stays").isEqualTo("EDITOR");
        assertThat(direct.get("state").asString()).isEqualTo("JOINED");

        long onlyEpoch = epoch(onlyGroup);
        ok(call(admin, "DELETE", "/groups/" + owners + "/members/" + onlyGroup.email(), null), 204);
        assertThat(memberOf(owner, sid, onlyGroup)).as("held only through the group").isNull();
        assertThat(epoch(onlyGroup)).isEqualTo(onlyEpoch + 1);
        assertThat(ok(call(onlyGroup, "GET", "/shared-folders", null), 200).get("folders")).isEmpty();
    }

    @Test
    void unsharingOrDeletingAGroupTakesTheFolderFromGroupOnlyMembers() throws Exception {
        User admin = adminUser();
        User owner = user("u-owner");
        User member = user("u-member");
        long team = group(admin, "Team", member);
        String first = share(owner, "First");
        String second = share(owner, "Second");
        shareWithGroup(owner, first, team, "EDITOR");
        shareWithGroup(owner, second, team, "VIEWER");
        ok(call(member, "POST", "/shared-folders/" + first + "/join", null), 200);

        ok(call(owner, "DELETE", "/shared-folders/" + first + "/groups/" + team, null), 204);
        assertThat(memberOf(owner, first, member)).isNull();
        problem(call(owner, "DELETE", "/shared-folders/" + first + "/groups/" + team, null), 404, "group-not-found");

        ok(call(admin, "DELETE", "/groups/" + team, null), 204);
        assertThat(memberOf(owner, second, member)).isNull();
        problem(call(admin, "GET", "/groups/" + team, null), 404, "group-not-found");
    }

    @Test
    void anAdminRenamesAGroupAndTheFoldersSharedWithItShowTheNewName() throws Exception {
        User admin = adminUser();
        User owner = user("renamed-group-owner");
        User member = user("renamed-group-member");
        long id = group(admin, "Before", member);
        String sid = share(owner, "Shared with a renamed group");
        shareWithGroup(owner, sid, id, "VIEWER");

        JsonNode renamed = ok(call(admin, "PATCH", "/groups/" + id, "{\"name\":\"  After  \"}"), 200);
        assertThat(renamed.get("name").asString()).isEqualTo("After");
        assertThat(renamed.get("members").toString()).contains(member.email());
        assertThat(ok(call(member, "GET", "/groups/" + id, null), 200).get("name").asString()).isEqualTo("After");
        assertThat(ok(call(owner, "GET", "/shared-folders/" + sid, null), 200).get("groups").get(0).get("name").asString())
                .isEqualTo("After");
        assertThat(jdbc.queryForList("SELECT details FROM audit_events WHERE type = 'GROUP_RENAMED' AND target = ? AND actor = ?",
                String.class, Long.toString(id), admin.email())).singleElement().asString()
                .contains("\"from\":\"Before\"").contains("\"to\":\"After\"");

        // The same name again changes nothing and records nothing.
        ok(call(admin, "PATCH", "/groups/" + id, "{\"name\":\"After\"}"), 200);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM audit_events WHERE type = 'GROUP_RENAMED' AND target = ?",
                Integer.class, Long.toString(id))).isEqualTo(1);

        // The names create refuses, rename refuses; a member may not; an unknown group is 404.
        problem(call(admin, "PATCH", "/groups/" + id, "{\"name\":\"   \"}"), 400, "folder-name-invalid");
        problem(call(admin, "PATCH", "/groups/" + id, "{\"name\":\"a\\u0007b\"}"), 400, "folder-name-invalid");
        problem(call(admin, "PATCH", "/groups/" + id, "{\"name\":\"" + "x".repeat(256) + "\"}"), 400, "folder-name-invalid");
        problem(call(admin, "PATCH", "/groups/" + id, "{}"), 400, "validation");
        problem(call(member, "PATCH", "/groups/" + id, "{\"name\":\"Mine\"}"), 403, "admin-required");
        problem(call(admin, "PATCH", "/groups/999999", "{\"name\":\"Ghost\"}"), 404, "group-not-found");
        assertThat(ok(call(admin, "GET", "/groups/" + id, null), 200).get("name").asString()).isEqualTo("After");
    }

    @Test
    void onlyAdminsChangeGroupsAndEveryoneMayReadThem() throws Exception {
        User admin = adminUser();
        User member = user("reader");
        long id = group(admin, "Readers", member);
        problem(call(member, "POST", "/groups", "{\"name\":\"Mine\"}"), 403, "admin-required");
        problem(call(member, "POST", "/groups/" + id + "/members", "{\"email\":\"" + admin.email() + "\"}"), 403, "admin-required");
        problem(call(member, "DELETE", "/groups/" + id, null), 403, "admin-required");
        List<String> names = new ArrayList<>();
        ok(call(member, "GET", "/groups", null), 200).get("groups").forEach(g -> names.add(g.get("name").asString()));
        assertThat(names).contains("Readers");
        assertThat(ok(call(member, "GET", "/groups/" + id, null), 200).get("members").toString()).contains(member.email());
        problem(call(admin, "POST", "/groups/" + id + "/members", "{\"email\":\"" + member.email() + "\"}"), 409, "group-member-exists");
        problem(call(admin, "GET", "/groups/999999", null), 404, "group-not-found");
    }
}
