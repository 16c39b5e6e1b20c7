package dev.aero.sp.sharing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import dev.aero.sp.SpServiceTest;

/** With {@code aero.sp.members-may-invite=false}, only admins share folders with addresses that have no account. */
@SpServiceTest
@TestPropertySource(properties = "aero.sp.members-may-invite=false")
class NewcomerInvitationSettingTest extends SharingTestSupport {

    @Test
    void aMemberCannotInviteANewcomerAndNothingChanges() throws Exception {
        User owner = user("s-owner");
        String sid = share(owner, "Closed");
        String newcomer = uniqueEmail("s-newcomer");
        problem(call(owner, "POST", "/shared-folders/" + sid + "/members", "{\"email\":\"" + newcomer + "\",\"role\":\"VIEWER\"}"),
                404, "user-not-found");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM shared_folder_members WHERE user_id = ?", Integer.class, newcomer)).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM invitations WHERE email = ?", Integer.class, newcomer)).isZero();
    }

    @Test
    void anAdminStillCan() throws Exception {
        User admin = adminUser();
        String sid = share(admin, "Open to admins");
        String newcomer = uniqueEmail("s-admin-newcomer");
        ok(call(admin, "POST", "/shared-folders/" + sid + "/members", "{\"email\":\"" + newcomer + "\",\"role\":\"VIEWER\"}"), 201);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM invitations WHERE email = ?", Integer.class, newcomer)).isEqualTo(1);
    }
}
