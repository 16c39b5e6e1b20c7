package dev.aero.sp.organization;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.aero.client.sp.AuditEvent;
import dev.aero.client.sp.AuditPage;
import dev.aero.client.sp.Member;
import dev.aero.client.sp.SpClient;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;

@SpServiceTest
class OrganizationAdministrationTest extends SpTestSupport {

    @Test
    void adminListsMembersWithRolesAndState() {
        Account m = member("listed");
        List<Member> members = admin().client().members();
        assertThat(members).extracting(x -> x.userId().value()).contains(admin().email(), m.email());
        assertThat(members).filteredOn(x -> x.userId().value().equals(m.email())).singleElement()
                .satisfies(x -> assertThat(x.role()).isEqualTo("USER")).satisfies(x -> assertThat(x.active()).isTrue());
    }

    @Test
    void nonAdminCannotUseAdminEndpoints() {
        Account m = member("plain");
        Account other = member("other");
        SpClient c = m.client();
        assertProblem(problem(c::members), 403, "admin-required");
        assertProblem(problem(() -> c.invite(uniqueEmail("friend"))), 403, "admin-required");
        assertProblem(problem(() -> c.setRole(m.email(), "ADMIN")), 403, "admin-required");
        assertProblem(problem(() -> c.deactivate(other.email(), false)), 403, "admin-required");
        assertProblem(problem(() -> c.auditEvents(null, null)), 403, "admin-required");
        assertThat(m.client().me().role()).isEqualTo("USER");
        assertThat(other.client().me().userId().value()).isEqualTo(other.email());
        assertThat(c.organization().organizationId()).isEqualTo("1");
    }

    @Test
    void roleChangesTakeEffectAndAreAudited() {
        Account m = member("promoted");
        assertThat(admin().client().setRole(m.email(), "ADMIN").role()).isEqualTo("ADMIN");
        assertThat(m.client().members()).isNotEmpty();
        assertThat(admin().client().setRole(m.email(), "USER").role()).isEqualTo("USER");
        assertProblem(problem(m.client()::members), 403, "admin-required");
        List<AuditEvent> events = admin().client().auditEvents(100, null).events();
        assertThat(events).filteredOn(e -> e.type().equals("ROLE_CHANGED") && m.email().equals(e.target())).hasSize(2)
                .allSatisfy(e -> assertThat(e.actor()).isEqualTo(admin().email()));
    }

    @Test
    void theLastAdminCannotBeDemotedOrDeactivated() {
        admin();
        assertProblem(problem(() -> admin().client().setRole(admin().email(), "USER")), 409, "last-admin");
        assertProblem(problem(() -> admin().client().deactivate(admin().email(), false)), 409, "last-admin");
        assertThat(admin().client().me().role()).isEqualTo("ADMIN");
    }

    @Test
    void unknownRoleOrMemberIsRefused() throws Exception {
        Account m = member("roles");
        var response = raw("PUT", "/api/v1/organizations/me/members/" + m.email() + "/role", "application/json",
                "{\"role\":\"SUPERUSER\"}", token(admin()));
        assertProblemResponse(response, 400);
        assertProblem(problem(() -> admin().client().setRole(uniqueEmail("ghost"), "ADMIN")), 404, "member-not-found");
        assertThat(m.client().me().role()).isEqualTo("USER");
    }

    @Test
    void deactivatedUserCannotSignInAndOldTokensStopWorking() {
        Account m = member("leaving");
        RegisteredDevice device = register(m);
        Member after = admin().client().deactivate(m.email(), true);
        assertThat(after.active()).isFalse();
        assertProblem(problem(() -> m.client().me()), 401, "invalid-token");
        assertProblem(problem(() -> anonymous().signIn(m.email(), PASSWORD)), 403, "account-deactivated");
        assertProblem(problem(() -> anonymous().signIn(m.email(), "wrong password")), 401, "invalid-credentials");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM device_certificates WHERE device_id = ? AND revoked_at IS NULL",
                Integer.class, device.id().hex())).isZero();
        assertThat(admin().client().deactivate(m.email(), false).active()).isFalse();
        AuditEvent event = admin().client().auditEvents(100, null).events().stream()
                .filter(e -> e.type().equals("USER_DEACTIVATED") && m.email().equals(e.target())).findFirst().orElseThrow();
        assertThat(event.details()).containsEntry("erase_devices", true).containsEntry("devices_unlinked", 1);
    }

    @Test
    void auditLogRecordsSecurityEventsNewestFirstWithClientAddressAndPages() {
        Account m = member("audited");
        problem(() -> anonymous().signIn(m.email(), "wrong password"));
        RegisteredDevice d = register(m);
        m.client().unlinkDevice(d.id(), false);

        AuditPage page = admin().client().auditEvents(500, null);
        List<AuditEvent> events = page.events();
        assertThat(events).isSortedAccordingTo((x, y) -> Long.compare(y.id(), x.id()));
        AuditEvent failed = events.stream().filter(e -> e.type().equals("SIGN_IN_FAILED") && m.email().equals(e.target()))
                .findFirst().orElseThrow();
        assertThat(failed.clientAddress()).isEqualTo("127.0.0.1");
        assertThat(failed.details()).containsEntry("reason", "wrong password");
        assertThat(events).extracting(AuditEvent::type).contains("SIGN_IN_SUCCEEDED", "DEVICE_CERTIFIED", "DEVICE_UNLINKED",
                "MEMBER_INVITED", "SIGNED_UP", "ORGANIZATION_CREATED");

        AuditPage first = admin().client().auditEvents(2, null);
        assertThat(first.events()).hasSize(2);
        AuditPage second = admin().client().auditEvents(2, first.nextBefore());
        assertThat(second.events()).hasSize(2);
        assertThat(second.events().get(0).id()).isLessThan(first.events().get(1).id());
    }

    private String token(Account account) {
        return anonymous().signIn(account.email(), PASSWORD).token();
    }
}
