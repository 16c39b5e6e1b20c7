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

    @Test
    void theAuditLogIsFilteredByTypeActorAndTimeAndPagesWithinTheFilter() throws Exception {
        Account m = member("filtered");
        // Event times are kept to the second: the range is taken in whole seconds.
        java.time.Instant start = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        RegisteredDevice d1 = register(m);
        RegisteredDevice d2 = register(m);
        m.client().renameDevice(d1.id(), "renamed once");
        m.client().unlinkDevice(d2.id(), false);
        admin().client().setRole(m.email(), "ADMIN");
        admin().client().setRole(m.email(), "USER");
        java.time.Instant end = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(1);
        List<String> deviceEvents = List.of("DEVICE_CERTIFIED", "DEVICE_RENAMED", "DEVICE_UNLINKED");

        // By actor and type: what m did to its devices, newest first, and nothing anyone else did.
        List<AuditEvent> byM = admin().client().auditEvents(500, null, deviceEvents, m.email(), start, end).events();
        assertThat(byM).extracting(AuditEvent::type).containsExactly("DEVICE_UNLINKED", "DEVICE_RENAMED", "DEVICE_CERTIFIED",
                "DEVICE_CERTIFIED");
        assertThat(byM).allSatisfy(e -> assertThat(e.actor()).isEqualTo(m.email()));
        // The actor is matched whatever its case.
        assertThat(admin().client().auditEvents(500, null, deviceEvents, m.email().toUpperCase(java.util.Locale.ROOT), start, end)
                .events()).hasSize(4);
        // By actor alone: those and m's own sign-in, nothing of the admin's.
        assertThat(admin().client().auditEvents(500, null, List.of(), m.email(), null, null).events())
                .extracting(AuditEvent::type).contains("SIGN_IN_SUCCEEDED", "DEVICE_RENAMED").doesNotContain("ROLE_CHANGED");

        // Paged one at a time, the pages stay within the filter.
        List<AuditEvent> paged = new java.util.ArrayList<>();
        Long before = null;
        do {
            AuditPage page = admin().client().auditEvents(1, before, deviceEvents, m.email(), start, end);
            assertThat(page.events()).hasSizeLessThanOrEqualTo(1);
            paged.addAll(page.events());
            before = page.nextBefore();
        } while (before != null);
        assertThat(paged).isEqualTo(byM);

        // By type alone: the admin's two role changes of m are among the role changes in the range.
        List<AuditEvent> roles = admin().client().auditEvents(500, null, List.of("ROLE_CHANGED"), null, start, end).events();
        assertThat(roles).allSatisfy(e -> assertThat(e.type()).isEqualTo("ROLE_CHANGED"));
        assertThat(roles).filteredOn(e -> m.email().equals(e.target())).hasSize(2);

        // Nothing of m's device events before the start: the range is honoured.
        assertThat(admin().client().auditEvents(500, null, deviceEvents, m.email(), start.minusSeconds(3600), start).events()).isEmpty();

        // Bad filters are refused with a problem, and members may not read the log at all.
        String token = token(admin());
        for (String bad : List.of("type=NO_SUCH_EVENT", "type=%00", "since=yesterday", "since=" + end + "&until=" + start,
                "actor=" + "a".repeat(255))) {
            assertProblemResponse(raw("GET", "/api/v1/audit-events?" + bad, null, null, token), 400);
        }
        assertProblem(problem(() -> m.client().auditEvents(10, null, deviceEvents, null, null, null)), 403, "admin-required");
    }

    private String token(Account account) {
        return anonymous().signIn(account.email(), PASSWORD).token();
    }
}
