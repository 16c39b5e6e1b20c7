package dev.aero.sp.sharing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;

import dev.aero.common.id.SID;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;
import dev.aero.sp.TestMail;
import jakarta.mail.internet.MimeMessage;

/** A folder invitation is mailed to the invitee (an in-process SMTP server stands in for the relay). */
@SpServiceTest
class FolderInvitationMailTest extends SpTestSupport {

    static final TestMail MAIL = new TestMail();

    @RegisterExtension
    static final GreenMailExtension SMTP = MAIL.server();

    @DynamicPropertySource
    static void mail(DynamicPropertyRegistry registry) {
        MAIL.configure(registry);
    }

    @Test
    void theInviteeIsMailedTheFolderAndItsRole() throws Exception {
        Account owner = member("mail-owner");
        Account invitee = member("mail-invitee");
        SID sid = SID.random();
        owner.client().createSharedFolder("Quarterly reports", sid);
        owner.client().inviteToSharedFolder(sid, invitee.email(), "EDITOR");
        MimeMessage mail = MAIL.awaitMailTo(invitee.email(), "Quarterly reports");
        assertThat(mail.getSubject()).contains(owner.email());
        assertThat(GreenMailUtil.getBody(mail)).contains("EDITOR");
    }
}
