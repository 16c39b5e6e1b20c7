package dev.aero.sp.sharing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;

import dev.aero.client.sp.SignUp;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.TestMail;
import tools.jackson.databind.JsonNode;

/**
 * Sharing a folder with an address that has no account: the address gets an organization
 * invitation by mail, and the folder waits for it PENDING, with the invitation's role.
 */
@SpServiceTest
class NewcomerInvitationTest extends SharingTestSupport {

    static final TestMail MAIL = new TestMail();

    @RegisterExtension
    static final GreenMailExtension SMTP = MAIL.server();

    @DynamicPropertySource
    static void mail(DynamicPropertyRegistry registry) {
        MAIL.configure(registry);
    }

    private static final Pattern CODE = Pattern.compile("invitation code:\\s+(\\S+)");

    @Test
    void aNewcomerInvitedByAMemberFindsTheFolderPendingOnSignUp() throws Exception {
        User owner = user("n-owner");
        String sid = share(owner, "Design drafts");
        String newcomer = uniqueEmail("newcomer");
        JsonNode invited = ok(call(owner, "POST", "/shared-folders/" + sid + "/members",
                "{\"email\":\"" + newcomer + "\",\"role\":\"EDITOR\"}"), 201);
        assertThat(invited.get("state").asString()).isEqualTo("PENDING");
        assertThat(ok(call(owner, "GET", "/shared-folders/" + sid, null), 200).get("members").findValuesAsString("email"))
                .contains(newcomer);
        problem(call(owner, "POST", "/shared-folders/" + sid + "/members", "{\"email\":\"" + newcomer + "\",\"role\":\"OWNER\"}"),
                409, "member-exists");

        String body = GreenMailUtil.getBody(MAIL.awaitMailTo(newcomer, "You are invited to"));
        Matcher code = CODE.matcher(body);
        assertThat(code.find()).as(body).isTrue();
        assertThat(GreenMailUtil.getBody(MAIL.awaitMailTo(newcomer, "Design drafts"))).contains("Sign up");

        anonymous().signUp(new SignUp(newcomer, PASSWORD, "Nia", "New", code.group(1), null));
        User signedUp = new User(newcomer, anonymous().signIn(newcomer, PASSWORD).token());
        JsonNode folders = ok(call(signedUp, "GET", "/shared-folders", null), 200).get("folders");
        assertThat(folders).hasSize(1);
        assertThat(folders.get(0).get("sid").asString()).isEqualTo(sid);
        assertThat(folders.get(0).get("state").asString()).isEqualTo("PENDING");
        assertThat(folders.get(0).get("role").asString()).isEqualTo("EDITOR");
        assertThat(ok(call(signedUp, "POST", "/shared-folders/" + sid + "/join", null), 200).get("state").asString())
                .isEqualTo("JOINED");
        assertThat(jdbc.queryForList("SELECT type FROM audit_events WHERE target = ? ORDER BY id", String.class, newcomer))
                .containsSubsequence("FOLDER_INVITED", "MEMBER_INVITED", "SIGNED_UP", "FOLDER_JOINED");
    }

    @Test
    void anAdminsNewcomerInvitationIsTheSame() throws Exception {
        User admin = adminUser();
        String sid = share(admin, "Board");
        String newcomer = uniqueEmail("board-newcomer");
        ok(call(admin, "POST", "/shared-folders/" + sid + "/members", "{\"email\":\"" + newcomer + "\",\"role\":\"VIEWER\"}"), 201);
        assertThat(jdbc.queryForList("SELECT email FROM invitations WHERE email = ?", String.class, newcomer)).hasSize(1);
        assertThat(List.of(MAIL.awaitMailTo(newcomer, "You are invited to").getAllRecipients()[0].toString())).containsExactly(newcomer);
    }
}
