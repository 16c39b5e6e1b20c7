package dev.aero.systemtests.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import dev.aero.client.commands.CommandClient;
import dev.aero.client.sp.AuditEvent;
import dev.aero.client.sp.LogUpload;
import dev.aero.client.sp.SignUp;
import dev.aero.client.sp.SpClient;
import dev.aero.common.command.CommandType;
import dev.aero.common.id.SID;
import dev.aero.common.id.UserID;

/**
 * The admin console against a platform the launcher started (an instance of its own: the
 * services, the console, MariaDB, Redis and ejabberd, all real). First as a browser without
 * scripts sees it (pages, redirects, headers, CSRF, sessions), then in a real browser: headless
 * Chromium from Debian driven by Selenium, which also takes the screenshots of
 * {@code docs/console.md} ({@code ./aero console-screenshots} writes them there).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminConsoleTest {

    private static final String PASSWORD = "console test password";
    /** Short, so that the idle test waits only this long; every other step is quicker than it. */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration LIVE = Duration.ofSeconds(2);

    private static LauncherInstance platform;
    private static SpClient admin;
    private static SpClient user;
    private static final String ADMIN = "ada@console.example";
    private static final String USER = "bo@console.example";

    @BeforeAll
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    static void startPlatform() throws Exception {
        platform = new LauncherInstance(LauncherInstance.repositoryRoot(), Path.of("target", "e2e", "console-launcher.log").toAbsolutePath(),
                "console", 2000, 13, Map.of("AERO_CONSOLE_IDLE_TIMEOUT", IDLE_TIMEOUT.toSeconds() + "s"));
        platform.start();
        SpClient anonymous = SpClient.create(platform.http(8080));
        anonymous.signUp(SignUp.firstAdmin(ADMIN, PASSWORD, "Ada", "Admin", "Console Test Inc", platform.setupToken()));
        admin = anonymous.withToken(anonymous.signIn(ADMIN, PASSWORD).token());
        String code = admin.invite(USER).invitationCode();
        anonymous.signUp(new SignUp(USER, PASSWORD, "Bo", "User", code, null));
        user = anonymous.withToken(anonymous.signIn(USER, PASSWORD).token());
    }

    @AfterAll
    static void stopPlatform() throws Exception {
        if (platform != null) {
            platform.close();
        }
    }

    private static URI console() {
        return platform.http(8060);
    }

    // --- pages and controllers, as a browser without scripts sees them

    @Test
    @Order(1)
    void everyAnswerCarriesTheSecurityHeadersAndTheSessionCookieIsHttpOnlyAndStrict() throws Exception {
        ConsoleHttp browser = new ConsoleHttp(console());
        ConsoleHttp.Page page = browser.get("/sign-in");
        assertThat(page.status()).isEqualTo(200);
        String csp = page.header("Content-Security-Policy");
        assertThat(csp).contains("script-src 'self'").contains("style-src 'self'").contains("frame-ancestors 'none'")
                .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
        assertThat(page.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(page.body()).doesNotContain("<script>").doesNotContainPattern("\\son[a-z]+=\"").doesNotContain("style=\"");
        String cookie = page.response().headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("AERO_CONSOLE="))
                .findFirst().orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict").doesNotContain("Secure");
        // Behind a TLS proxy (on this host, which Tomcat trusts for X-Forwarded-Proto) the cookie is Secure.
        ConsoleHttp proxied = new ConsoleHttp(console());
        String overTls = proxied.get("/sign-in", "X-Forwarded-Proto", "https").response().headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("AERO_CONSOLE=")).findFirst().orElseThrow();
        assertThat(overTls).contains("Secure").contains("HttpOnly").contains("SameSite=Strict");
    }

    @Test
    @Order(2)
    void pagesAskForSignInAndLivePartsAnswer401() throws Exception {
        ConsoleHttp browser = new ConsoleHttp(console());
        for (String path : List.of("/", "/users", "/devices", "/folders", "/groups", "/audit", "/audit.csv")) {
            ConsoleHttp.Page page = browser.get(path);
            assertThat(page.status()).as(path).isEqualTo(302);
            assertThat(page.location()).as(path).endsWith("/sign-in?required");
        }
        assertThat(browser.get("/live/devices").status()).isEqualTo(401);
    }

    @Test
    @Order(3)
    void aWrongPasswordAndANonAdminAreRefusedAtSignInAndTheNonAdminsSpSessionIsEnded() throws Exception {
        ConsoleHttp browser = new ConsoleHttp(console());
        ConsoleHttp.Page wrong = browser.signIn(ADMIN, "not the password");
        assertThat(wrong.location()).endsWith("/sign-in?error");
        ConsoleHttp.Page said = browser.get("/sign-in?error");
        assertThat(said.body()).contains("Wrong e-mail address or password.").contains("value=\"" + ADMIN + "\"")
                .doesNotContain("not the password");

        long before = newestAuditId();
        ConsoleHttp.Page refused = browser.signIn(USER, PASSWORD);
        assertThat(refused.location()).endsWith("/sign-in?error");
        assertThat(browser.get("/sign-in?error").body()).contains("Only the organization&#39;s admins may use the console.");
        assertThat(browser.get("/").location()).endsWith("/sign-in?required");
        // SP saw the sign-in succeed and the console end that session at once.
        List<AuditEvent> events = admin.auditEvents(50, null, List.of("SIGN_IN_SUCCEEDED", "SIGNED_OUT"), USER, null, null).events()
                .stream().filter(e -> e.id() > before).toList();
        assertThat(events).extracting(AuditEvent::type).containsExactly("SIGNED_OUT", "SIGN_IN_SUCCEEDED");
    }

    @Test
    @Order(4)
    void aFormPostedWithoutItsCsrfTokenIsRefusedAndChangesNothing() throws Exception {
        ConsoleHttp browser = signedIn();
        String invitee = "csrf@console.example";
        ConsoleHttp.Page refused = browser.postRaw("/users/invitations", Map.of("email", invitee));
        assertThat(refused.status()).isEqualTo(403);
        ConsoleHttp.Page wrongToken = browser.postRaw("/users/invitations", Map.of("email", invitee, "_csrf", "forged"));
        assertThat(wrongToken.status()).isEqualTo(403);
        assertThat(admin.auditEvents(50, null, List.of("MEMBER_INVITED"), null, null, null).events())
                .noneMatch(e -> invitee.equals(e.target()));
        // The same form with its token works.
        browser.get("/users");
        ConsoleHttp.Page invited = browser.post("/users/invitations", Map.of("email", invitee));
        assertThat(invited.status()).isEqualTo(302);
        assertThat(admin.auditEvents(50, null, List.of("MEMBER_INVITED"), null, null, null).events())
                .anyMatch(e -> invitee.equals(e.target()));
    }

    @Test
    @Order(5)
    void aFormSaysWhatIsWrongNextToTheField() throws Exception {
        ConsoleHttp browser = signedIn();
        browser.get("/users");
        ConsoleHttp.Page page = browser.post("/users/invitations", Map.of("email", "not an address"));
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).containsPattern("id=\"invite-email\"[^>]*value=\"not an address\"")
                .containsPattern("aria-describedby=\"invite-error\"")
                .contains("<p class=\"field-error\" id=\"invite-error\">Not an e-mail address.</p>");
        browser.get("/groups");
        ConsoleHttp.Page blank = browser.post("/groups", Map.of("name", "   "));
        assertThat(blank.body()).contains("id=\"group-name-error\">A group needs a name.</p>");
        ConsoleHttp.Page filter = browser.get("/devices?offlineDays=soon");
        assertThat(filter.body()).contains("id=\"offlineDays-error\">A number of days from 0 to 3650.</p>");
        ConsoleHttp.Page range = browser.get("/audit?since=2026-12-02T10:00&until=2026-12-01T10:00");
        assertThat(range.body()).contains("id=\"until-error\">Must be after");
    }

    @Test
    @Order(6)
    void theOverviewShowsEveryServiceUpAndTheOrganizationsFigures() throws Exception {
        ConsoleHttp browser = signedIn();
        String page = browser.get("/").body();
        for (String service : List.of("sp-service", "verkehr-push", "command-server", "devman", "zephyr-relay", "xmpp-bridge")) {
            assertThat(page).containsPattern("data-service=\"" + service + "\">\\s*<th scope=\"row\">" + service
                    + "</th>\\s*<td><span class=\"state state-up\">UP</span>");
        }
        assertThat(page).contains("<h1>Console Test Inc</h1>").containsPattern("id=\"count-users\">\\d+</span> active users");
        // A service that stops is shown DOWN or unreachable, with the reason, on the live part.
        platform.kill("zephyr-relay");
        try {
            String live = browser.get("/live/overview").body();
            assertThat(live).containsPattern("data-service=\"zephyr-relay\">\\s*<th scope=\"row\">zephyr-relay</th>\\s*"
                    + "<td><span class=\"state state-unreachable\">UNREACHABLE</span></td>\\s*<td>no answer: ");
            assertThat(live).contains("id=\"count-pairs\">–</span>");
        } finally {
            platform.up();
        }
    }

    @Test
    @Order(7)
    void aDevicesQueueAndDeadLettersAreShownAndReDriven() throws Exception {
        try (DesktopDevice device = device("Queue test box")) {
            ConsoleHttp browser = signedIn();
            String path = "/devices/" + device.did.hex();
            browser.get(path + "/logs");
            ConsoleHttp.Page requested = browser.post(path + "/logs", Map.of());
            assertThat(requested.location()).endsWith(path);
            assertThat(browser.get(path).body()).contains("Logs requested under defect id");
            // SP's outbox delivers the command to command-server right after its commit.
            String page = awaitPage(browser, path, "<td>\\d+</td><td>UPLOAD_LOGS</td>", Duration.ofSeconds(10),
                    "UPLOAD_LOGS in the queue shown");
            // The device fails it until command-server gives up on it.
            CommandClient queue = device.queue;
            for (int i = 0; i < 20; i++) {
                CommandClient.Head head = queue.head();
                if (head.empty()) {
                    break;
                }
                queue.fail(head.command().getEpoch(), "disk full");
            }
            page = browser.get(path).body();
            assertThat(page).contains("The queue is empty.").containsPattern("<td>UPLOAD_LOGS</td><td>10</td>")
                    .contains("Re-drive the dead letter");
            ConsoleHttp.Page redriven = browser.post(path + "/dead-letters/redrive", Map.of());
            assertThat(redriven.location()).endsWith(path);
            page = browser.get(path).body();
            assertThat(page).contains("Re-drove 1 command to the tail of the queue.").contains("No dead letters.")
                    .containsPattern("<td>\\d+</td><td>UPLOAD_LOGS</td>\\s*<td>0</td>");
            assertThat(admin.auditEvents(10, null, List.of("DEAD_LETTERS_REDRIVEN"), ADMIN, null, null).events()).hasSize(1);
        }
    }

    @Test
    @Order(8)
    void theSessionEndsWhenSpEndsTheAdminsSessionAndAfterTheIdleTimeDespiteLivePolls() throws Exception {
        String second = "cy@console.example";
        SpClient anonymous = SpClient.create(platform.http(8080));
        anonymous.signUp(new SignUp(second, PASSWORD, "Cy", "Second", admin.invite(second).invitationCode(), null));
        admin.setRole(second, "ADMIN");

        // SP ends every other session of the admin on a password change: the console's with it.
        ConsoleHttp browser = new ConsoleHttp(console());
        assertThat(browser.signIn(second, PASSWORD).location()).endsWith("/");
        SpClient own = anonymous.withToken(anonymous.signIn(second, PASSWORD).token());
        own.changePassword(PASSWORD, PASSWORD + " 2");
        assertThat(browser.get("/users").location()).endsWith("/sign-in?expired");
        assertThat(browser.get("/").location()).endsWith("/sign-in?required");

        // Live polls do not keep a session alive: it ends IDLE_TIMEOUT after the last page.
        ConsoleHttp idle = new ConsoleHttp(console());
        assertThat(idle.signIn(second, PASSWORD + " 2").location()).endsWith("/");
        long signedIn = System.nanoTime();
        assertThat(idle.get("/").status()).isEqualTo(200);
        int polls = 0;
        ConsoleHttp.Page poll;
        while (true) {
            poll = idle.get("/live/overview");
            if (poll.status() != 200) {
                break;
            }
            polls++;
            assertThat(Duration.ofNanos(System.nanoTime() - signedIn)).as("still signed in after").isLessThan(IDLE_TIMEOUT.plusSeconds(10));
            Thread.sleep(1000); // the page's own polling interval
        }
        Duration ended = Duration.ofNanos(System.nanoTime() - signedIn);
        assertThat(poll.status()).isEqualTo(401);
        assertThat(poll.header("X-Console-Session")).isEqualTo("idle");
        assertThat(polls).isGreaterThan(10);
        assertThat(ended).isGreaterThanOrEqualTo(IDLE_TIMEOUT.minusSeconds(1));
        assertThat(idle.get("/").location()).endsWith("/sign-in?required");
        // Its SP session was ended as well.
        DesktopDevice.await(() -> admin.auditEvents(20, null, List.of("SIGNED_OUT"), second, null, null).events().isEmpty() ? null : true,
                Duration.ofSeconds(10), "SP's sign-out of the idle session");
    }

    @Test
    @Order(9)
    void signOutEndsTheSessionAndSpsSession() throws Exception {
        ConsoleHttp browser = signedIn();
        long before = newestAuditId();
        browser.get("/");
        ConsoleHttp.Page out = browser.post("/sign-out", Map.of());
        assertThat(out.location()).endsWith("/sign-in?signed-out");
        assertThat(browser.get("/").location()).endsWith("/sign-in?required");
        DesktopDevice.await(() -> admin.auditEvents(20, null, List.of("SIGNED_OUT"), ADMIN, null, null).events().stream()
                .anyMatch(e -> e.id() > before) ? true : null, Duration.ofSeconds(10), "SP's sign-out");
    }

    @Test
    @Order(10)
    void anAdminRenamesADeviceChangesARoleDeactivatesWithErasureAndDestroysAFolderAndAGroup() throws Exception {
        String leaving = "eve@console.example";
        SpClient anonymous = SpClient.create(platform.http(8080));
        anonymous.signUp(new SignUp(leaving, PASSWORD, "Eve", "Leaving", admin.invite(leaving).invitationCode(), null));
        SpClient eve = anonymous.withToken(anonymous.signIn(leaving, PASSWORD).token());
        try (DesktopDevice phone = DesktopDevice.register(eve, UserID.of(leaving), "Eve's phone",
                URI.create("https://localhost:" + platform.port(9021)), URI.create("https://localhost:" + platform.port(8443)), "localhost",
                platform.port(29438), false)) {
            ConsoleHttp browser = signedIn();
            String device = "/devices/" + phone.did.hex();
            browser.get(device);
            assertThat(browser.post(device + "/name", Map.of("name", "Old phone")).location()).endsWith(device);
            assertThat(admin.device(phone.did).name()).isEqualTo("Old phone");

            // A command waiting for the offline phone is counted on the overview (command-server counts every 5 s).
            browser.get(device + "/logs");
            browser.post(device + "/logs", Map.of());
            awaitPage(browser, "/live/overview", "id=\"count-waiting\">[1-9]\\d*</span>", Duration.ofSeconds(15),
                    "the waiting command counted on the overview");

            String userPage = "/users/" + leaving;
            browser.get(userPage);
            assertThat(browser.post(userPage + "/role", Map.of("role", "ADMIN")).location()).endsWith(userPage);
            assertThat(admin.members()).anyMatch(m -> m.userId().toString().equals(leaving) && m.role().equals("ADMIN"));
            assertThat(browser.get(userPage).body()).contains(leaving + " is now an admin.");
            browser.post(userPage + "/role", Map.of("role", "OWNER"));
            assertThat(browser.get(userPage).body()).contains("Choose a role: ADMIN or USER.");
            browser.post(userPage + "/role", Map.of("role", "USER"));

            ConsoleHttp.Page confirm = browser.get(userPage + "/deactivate?erase=true");
            assertThat(confirm.body()).contains("<h1>Deactivate Eve Leaving (" + leaving + ") and erase their devices?</h1>")
                    .contains("name=\"erase\" value=\"true\"");
            assertThat(browser.post(userPage + "/deactivate", Map.of("erase", "true")).location()).endsWith(userPage);
            assertThat(admin.members()).anyMatch(m -> m.userId().toString().equals(leaving) && !m.active());
            assertThat(admin.auditEvents(5, null, List.of("USER_DEACTIVATED"), ADMIN, null, null).events()).singleElement()
                    .satisfies(e -> {
                        assertThat(e.target()).isEqualTo(leaving);
                        assertThat(e.details()).containsEntry("erase_devices", true);
                    });
            assertThat(admin.organizationDevices(null, UserID.of(leaving), 10).devices()).isEmpty();
        }

        SID sid = SID.random();
        admin.createSharedFolder("Old projects", sid);
        ConsoleHttp browser = signedIn();
        ConsoleHttp.Page confirm = browser.get("/folders/" + sid.hex() + "/destroy");
        assertThat(confirm.body()).contains("Destroy the shared folder \u201cOld projects\u201d?");
        assertThat(browser.post("/folders/" + sid.hex() + "/destroy", Map.of()).location()).endsWith("/folders");
        assertThat(admin.organizationSharedFolders(null, 100).folders()).noneMatch(f -> f.sid().equals(sid));

        long group = admin.createGroup("Temporary").groupId();
        browser.get("/groups/" + group + "/delete");
        assertThat(browser.post("/groups/" + group + "/delete", Map.of()).location()).endsWith("/groups");
        assertThat(admin.groups()).noneMatch(g -> g.groupId() == group);
    }

    // --- in a real browser

    @Test
    @Order(11)
    void aDevicesUploadedLogsAreListedDownloadedWithTheSameSha256AndDeleted() throws Exception {
        try (DesktopDevice device = device("Logs box")) {
            String kept = "case-kept-" + System.nanoTime();
            String deleted = "case-deleted-" + System.nanoTime();
            admin.requestDeviceLogs(device.did, kept, 24);
            admin.requestDeviceLogs(device.did, deleted, 24);
            // Two uploads with the device's certificate; the first stays for the real browser's page.
            byte[] gzip = gzip("console log line\n".repeat(2000));
            LogUpload keep = device.asDevice.uploadLogs(device.did, kept, new java.io.ByteArrayInputStream(gzip));
            LogUpload gone = device.asDevice.uploadLogs(device.did, deleted, new java.io.ByteArrayInputStream(gzip("other\n")));

            ConsoleHttp browser = signedIn();
            String list = browser.get("/device-logs").body();
            assertThat(list).contains("id=\"logs-" + device.did.hex() + "-" + kept + "\"").contains(keep.sha256())
                    .contains("id=\"logs-" + device.did.hex() + "-" + deleted + "\"");
            assertThat(browser.get("/devices/" + device.did.hex()).body()).contains(keep.sha256()).contains(gone.sha256());

            HttpResponse<byte[]> download = browser.bytes("/device-logs/" + device.did.hex() + "/" + kept);
            assertThat(download.statusCode()).isEqualTo(200);
            assertThat(download.headers().firstValue("Content-Disposition").orElse("")).contains("attachment");
            assertThat(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(download.body())))
                    .isEqualTo(keep.sha256());

            String path = "/device-logs/" + device.did.hex() + "/" + deleted + "/delete";
            assertThat(browser.get(path).body()).contains("Delete the logs of defect " + deleted + "?");
            assertThat(browser.post(path, Map.of()).location()).endsWith("/device-logs");
            assertThat(browser.get("/device-logs").body()).contains("Deleted the logs of defect " + deleted + ".")
                    .doesNotContain(gone.sha256()).contains(keep.sha256());
            assertThat(admin.auditEvents(20, null, List.of("DEVICE_LOGS_DELETED"), ADMIN, null, null).events()).hasSize(1);
        }
    }

    @Test
    @Order(20)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void anAdminManagesTheOrganizationInARealBrowser() throws Exception {
        Browser b = Browser.start();
        try (b; DesktopDevice laptop = device("Laptop"); DesktopDevice desktop = device("Desktop")) {
            // Sign-in: a non-admin is refused with the reason; the admin gets the overview.
            b.open("/sign-in");
            b.shot("sign-in");
            b.signIn(USER, PASSWORD);
            assertThat(b.text(By.id("sign-in-error"))).isEqualTo("Only the organization's admins may use the console.");
            b.signIn(ADMIN, PASSWORD);
            assertThat(b.driver.getCurrentUrl()).isEqualTo(console().resolve("/").toString());
            assertThat(b.text(By.tagName("h1"))).isEqualTo("Console Test Inc");
            b.awaitText(By.id("health"), t -> !t.contains("UNREACHABLE") && !t.contains("DOWN"), Duration.ofSeconds(60), "every service up");

            // The overview counts a device going online within 2 s, without a reload.
            long online = Long.parseLong(b.text(By.id("count-online")));
            laptop.goOnline();
            b.awaitWithin(LIVE, () -> Long.parseLong(b.text(By.id("count-online"))) == online + 1, "the overview counting the laptop online");
            b.shot("overview");

            // Users: invite from the form.
            b.open("/users");
            b.type(By.id("invite-email"), "dee@console.example");
            b.click(By.id("invite"));
            assertThat(b.text(By.cssSelector(".notice"))).startsWith("Invited dee@console.example. Invitation code");
            assertThat(admin.members()).noneMatch(m -> m.userId().toString().equals("dee@console.example"));
            b.shot("users");
            b.open("/users/" + USER);
            assertThat(b.text(By.id("user-devices"))).contains("Laptop").contains("Desktop");
            b.shot("user");

            // Devices: a device registered while the page is open appears on it; the desktop goes
            // online and offline live.
            b.open("/devices");
            try (DesktopDevice tablet = device("Tablet")) {
                b.awaitWithin(LIVE, () -> b.driver.findElements(By.id("device-" + tablet.did.hex())).size() == 1,
                        "the tablet listed");
            }
            By desktopRow = By.id("device-" + desktop.did.hex());
            assertThat(b.attribute(desktopRow, "data-online")).isEqualTo("false");
            desktop.goOnline();
            b.awaitWithin(LIVE, () -> "true".equals(b.attribute(desktopRow, "data-online")), "the desktop shown online");
            assertThat(b.text(desktopRow)).contains("online via ssmp").contains("127.0.0.1");
            b.shot("devices");
            desktop.close();
            b.awaitWithin(LIVE, () -> "false".equals(b.attribute(desktopRow, "data-online")), "the desktop shown offline");

            // The 390 px wide phone layout: nothing wider than the screen but the tables' own scroll boxes.
            b.driver.manage().window().setSize(new Dimension(390, 844));
            for (String page : List.of("/", "/devices", "/users", "/audit", "/devices/" + laptop.did.hex())) {
                b.open(page);
                Number width = (Number) b.js("return document.documentElement.scrollWidth;");
                assertThat(width.intValue()).as("page width of %s at 390 px", page).isLessThanOrEqualTo(390);
            }
            b.driver.manage().window().setSize(new Dimension(1280, 900));

            // Unlink and wipe the laptop, with the keyboard only: the confirmation names what happens.
            b.open("/devices/" + laptop.did.hex());
            b.shot("device");
            b.focus(By.id("unlink-wipe"));
            b.driver.switchTo().activeElement().sendKeys(Keys.ENTER);
            b.awaitUrl("/devices/" + laptop.did.hex() + "/unlink?wipe=true");
            assertThat(b.text(By.tagName("h1"))).isEqualTo("Unlink and wipe Bo\u2019s Laptop?");
            b.shot("confirm-unlink-and-wipe");
            assertThat(b.driver.switchTo().activeElement().getAttribute("id")).isEqualTo("confirm");
            long sent = System.nanoTime();
            b.driver.switchTo().activeElement().sendKeys(Keys.ENTER);
            b.awaitUrl("/devices");
            assertThat(b.text(By.cssSelector(".notice"))).isEqualTo("Unlinked and told to wipe: Laptop.");
            laptop.awaitPush(CommandType.UNLINK_AND_WIPE_SELF, sent, Duration.ofSeconds(10));

            // Shared folders: remove a member.
            SID sid = SID.random();
            admin.createSharedFolder("Quarterly reports", sid);
            admin.inviteToSharedFolder(sid, USER, "EDITOR");
            b.open("/folders");
            assertThat(b.text(By.id("folder-" + sid.hex()))).contains("Quarterly reports").contains(USER + " · EDITOR · PENDING");
            b.shot("folders");
            b.open("/folders/" + sid.hex());
            b.shot("folder");
            b.click(By.id("remove-" + USER));
            assertThat(b.text(By.tagName("h1"))).isEqualTo("Remove " + USER + " from \u201cQuarterly reports\u201d?");
            b.click(By.id("confirm"));
            assertThat(b.text(By.cssSelector(".notice"))).isEqualTo("Removed " + USER + " from the folder.");
            assertThat(admin.sharedFolder(sid).members()).noneMatch(m -> m.email().equals(USER));

            // Groups: create, rename, add a member.
            b.open("/groups");
            b.type(By.id("group-name"), "Finance");
            b.click(By.id("create-group"));
            assertThat(b.text(By.tagName("h1"))).isEqualTo("Finance");
            b.type(By.id("name"), "Finance team");
            b.click(By.id("rename"));
            b.type(By.id("member-email"), USER);
            b.click(By.id("add-member"));
            assertThat(b.text(By.id("group-members"))).contains(USER);
            long finance = admin.groups().stream().filter(g -> g.name().equals("Finance team")).findFirst().orElseThrow().groupId();
            assertThat(admin.group(finance).members()).containsExactly(USER);
            b.shot("group");
            b.open("/groups");
            b.shot("groups");

            // Device logs: the upload a device made (aDevicesUploadedLogs...) is listed.
            b.open("/device-logs");
            assertThat(b.text(By.id("device-logs"))).contains("Logs box").contains("case-kept-");
            b.shot("device-logs");

            // A form posted without its CSRF token is refused, and nothing happens.
            b.open("/groups");
            b.js("document.querySelector('form[action=\"/groups\"] input[name=\"_csrf\"]').remove();");
            b.type(By.id("group-name"), "Forged");
            b.click(By.id("create-group"));
            assertThat(b.text(By.tagName("h1"))).isEqualTo("Forbidden");
            assertThat(admin.groups()).noneMatch(g -> g.name().equals("Forged"));

            // Audit log: filter by type and actor, then export that view.
            b.open("/audit");
            b.driver.findElement(By.cssSelector("#type option[value='MEMBER_INVITED']")).click();
            b.type(By.id("actor"), ADMIN.toUpperCase());
            b.click(By.id("apply-filters"));
            List<WebElement> rows = b.driver.findElements(By.cssSelector("#audit tbody tr[data-type]"));
            assertThat(rows).isNotEmpty().allSatisfy(r -> assertThat(r.getAttribute("data-type")).isEqualTo("MEMBER_INVITED"));
            assertThat(b.text(By.id("audit"))).contains("dee@console.example").contains(" CET");
            b.shot("audit");
            String csv = b.download(b.driver.findElement(By.id("export")).getAttribute("href"));
            List<String> lines = csv.lines().toList();
            assertThat(lines.getFirst()).isEqualTo("id,occurred_at,type,actor,target,client_address,details");
            assertThat(lines.subList(1, lines.size())).isNotEmpty().allSatisfy(l -> assertThat(l).contains(",MEMBER_INVITED," + ADMIN + ","));
            assertThat(lines).anyMatch(l -> l.contains(",MEMBER_INVITED," + ADMIN + ",dee@console.example,"));
            assertThat(lines).hasSize(rows.size() + 1);

            // Sign out.
            b.click(By.id("sign-out"));
            b.awaitUrl("/sign-in?signed-out");
        }
    }

    // --- helpers

    private static ConsoleHttp signedIn() throws Exception {
        ConsoleHttp browser = new ConsoleHttp(console());
        ConsoleHttp.Page page = browser.signIn(ADMIN, PASSWORD);
        assertThat(page.location()).endsWith("/");
        return browser;
    }

    /** Reads {@code path} until its body holds {@code pattern}; that body. */
    private static String awaitPage(ConsoleHttp browser, String path, String pattern, Duration timeout, String what)
            throws InterruptedException {
        java.util.regex.Pattern wanted = java.util.regex.Pattern.compile(pattern);
        return DesktopDevice.await(() -> {
            try {
                String body = browser.get(path).body();
                return wanted.matcher(body).find() ? body : null;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }, timeout, what);
    }

    private static byte[] gzip(String text) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private static long newestAuditId() {
        return admin.auditEvents(1, null).events().stream().mapToLong(AuditEvent::id).max().orElse(0);
    }

    private static DesktopDevice device(String name) throws Exception {
        return DesktopDevice.register(user, UserID.of(USER), name, URI.create("https://localhost:" + platform.port(9021)),
                URI.create("https://localhost:" + platform.port(8443)), "localhost", platform.port(29438), false);
    }

    /** Headless Chromium from Debian, through its chromedriver; the screenshots go where {@code aero.console.screenshots} says. */
    private static final class Browser implements AutoCloseable {

        final ChromeDriver driver;
        private final Path screenshots;

        private Browser(ChromeDriver driver, Path screenshots) {
            this.driver = driver;
            this.screenshots = screenshots;
        }

        static Browser start() throws IOException {
            String chromium = System.getenv("AERO_TEST_CHROMIUM");
            String chromedriver = System.getenv("AERO_TEST_CHROMEDRIVER");
            if (chromium == null || chromium.isBlank() || chromedriver == null || chromedriver.isBlank()) {
                String why = "no Chromium and chromedriver (./aero test installs Debian's chromium and chromium-driver and says where)";
                if ("true".equalsIgnoreCase(System.getenv("CI")) || "true".equalsIgnoreCase(System.getenv("AERO_TEST_REQUIRE_SERVICES"))) {
                    fail(why);
                }
                Assumptions.abort(why);
            }
            ChromeOptions options = new ChromeOptions();
            options.setBinary(chromium);
            options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-US",
                    "--hide-scrollbars", "--force-device-scale-factor=1");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(Path.of(chromedriver).toFile())
                    .usingAnyFreePort().withEnvironment(Map.of("TZ", "Europe/Berlin")).build();
            Path shots = Path.of(System.getProperty("aero.console.screenshots", "target/console-screenshots"));
            Files.createDirectories(shots);
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            return new Browser(driver, shots);
        }

        void open(String path) {
            driver.get(console().resolve(path).toString());
        }

        void signIn(String email, String password) throws InterruptedException {
            open("/sign-in");
            type(By.id("email"), email);
            type(By.id("password"), password);
            click(By.id("sign-in"));
        }

        void type(By field, String text) {
            WebElement e = driver.findElement(field);
            e.clear();
            e.sendKeys(text);
        }

        /** Clicks what leads to another page, and waits until that page has loaded. */
        void click(By what) throws InterruptedException {
            WebElement before = driver.findElement(By.tagName("html"));
            driver.findElement(what).click();
            DesktopDevice.await(() -> {
                try {
                    before.isDisplayed();
                    return null;
                } catch (WebDriverException gone) {
                    // Stale, or (while the next page loads) no longer in any document.
                }
                try {
                    return "complete".equals(js("return document.readyState;")) ? true : null;
                } catch (WebDriverException loading) {
                    return null;
                }
            }, Duration.ofSeconds(15), "the page after clicking " + what);
        }

        void focus(By what) {
            js("arguments[0].focus();", driver.findElement(what));
        }

        Object js(String script, Object... args) {
            return ((JavascriptExecutor) driver).executeScript(script, args);
        }

        String text(By what) {
            return driver.findElement(what).getText();
        }

        /** An attribute of an element the page's script may be replacing: read again until it holds still. */
        String attribute(By what, String name) {
            for (int i = 0; ; i++) {
                try {
                    return driver.findElement(what).getAttribute(name);
                } catch (StaleElementReferenceException | NoSuchElementException e) {
                    if (i > 20) {
                        throw e;
                    }
                }
            }
        }

        void awaitUrl(String path) throws InterruptedException {
            String expected = console().resolve(path).toString();
            DesktopDevice.await(() -> driver.getCurrentUrl().equals(expected) ? true : null, Duration.ofSeconds(10), "the page " + path
                    + " (at " + driver.getCurrentUrl() + ")");
        }

        void awaitText(By what, java.util.function.Predicate<String> matching, Duration timeout, String description)
                throws InterruptedException {
            DesktopDevice.await(() -> {
                try {
                    return matching.test(text(what)) ? true : null;
                } catch (StaleElementReferenceException e) {
                    return null;
                }
            }, timeout, description);
        }

        /** Waits for {@code condition} and fails unless it held within {@code limit} of the call. */
        void awaitWithin(Duration limit, BooleanSupplier condition, String description) throws InterruptedException {
            long start = System.nanoTime();
            DesktopDevice.await(() -> {
                try {
                    return condition.getAsBoolean() ? true : null;
                } catch (StaleElementReferenceException | NoSuchElementException e) {
                    return null;
                }
            }, limit.plusSeconds(5), description);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.println("console: " + description + " after " + took.toMillis() + " ms");
            assertThat(took).as("time until " + description).isLessThanOrEqualTo(limit);
        }

        void shot(String name) throws IOException {
            Files.write(screenshots.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
        }

        /** What a link gives this browser's session (its session cookie), read outside the browser. */
        String download(String url) throws IOException, InterruptedException {
            String session = driver.manage().getCookieNamed("AERO_CONSOLE").getValue();
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                    .header("Cookie", "AERO_CONSOLE=" + session).GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as("GET " + url).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
            return r.body();
        }

        @Override
        public void close() {
            driver.quit();
        }
    }
}
