package dev.aero.systemtests.e2e;

import static dev.aero.systemtests.e2e.AuthorizationMatrix.Credential.NONE;
import static dev.aero.systemtests.e2e.AuthorizationMatrix.Credential.NON_ADMIN_SESSION;
import static dev.aero.systemtests.e2e.AuthorizationMatrix.Credential.OTHER_USERS_DEVICE;
import static dev.aero.systemtests.e2e.AuthorizationMatrix.Credential.OTHER_USERS_SESSION;
import static dev.aero.systemtests.e2e.AuthorizationMatrix.Credential.REVOKED_DEVICE;
import static dev.aero.systemtests.e2e.AuthorizationMatrix.Credential.WRONG_SERVICE_SECRET;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import javax.net.ssl.SSLContext;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.aero.common.auth.ServiceCredential;

/**
 * Who may call what, for every operation of every service's API document: the one table the
 * end-to-end authorization test checks. Each operation is tried with each {@link Credential}
 * against the launcher-started platform, and the answer must be the declared one. An operation
 * the served document lists without a row here fails the test, so no endpoint ships without
 * its row; a row without an operation fails it too.
 *
 * <p>The user whose resources are targeted ("A") is a member without admin rights, with a
 * linked device, a second device that was unlinked (its certificate revoked), and a shared
 * folder; "B" is another member with a device of his own; the admin made a group.
 */
final class AuthorizationMatrix {

    /** The credentials each operation is tried with. */
    enum Credential {
        /** Nothing: no header, no client certificate. */
        NONE,
        /** B's bearer session, on A's resources. */
        OTHER_USERS_SESSION,
        /** A's own bearer session: a valid one without admin rights. */
        NON_ADMIN_SESSION,
        /**
         * B's device certificate, on A's device (on the service's device port; a service without
         * one gets it as a client-certificate header that a front proxy would forward, from an
         * address it does not trust).
         */
        OTHER_USERS_DEVICE,
        /** The certificate of A's unlinked device (revoked), on that device's own resources. */
        REVOKED_DEVICE,
        /** The service-secret header with a wrong secret. */
        WRONG_SERVICE_SECRET
    }

    /** What a credential gets from an operation. */
    sealed interface Outcome {
    }

    /** Refused with one of these statuses and a problem+json body. */
    record Refused(Set<Integer> statuses) implements Outcome {
    }

    /** Allowed by design (2xx expected), for the reason given. */
    record Allowed(String reason) implements Outcome {
    }

    /** Not tried: the credential is the resource owner's own, which the operation is for. */
    record Own() implements Outcome {
    }

    /** Not tried: the operation needs no credential (the document declares {@code security: []}). */
    record Public() implements Outcome {
    }

    static final Outcome R401 = new Refused(Set.of(401));
    static final Outcome R403 = new Refused(Set.of(403));
    static final Outcome R404 = new Refused(Set.of(404));
    static final Outcome OWN = new Own();

    /**
     * Passes authentication: anything but 401, 403 and 5xx (the request itself may still be
     * refused, e.g. acknowledging an epoch that is not the head).
     */
    record Authenticated(String reason) implements Outcome {
    }

    /**
     * A row: the outcome per credential, and the body sent to an operation that takes one (a
     * valid one where the refusal is the resource's owner's to decide, so that validation
     * cannot decide it first; {@code {}} otherwise).
     */
    record Row(Map<Credential, Outcome> outcomes, String body) {
    }

    /** "service operationId" -> its row. */
    static final Map<String, Row> TABLE = new LinkedHashMap<>();

    static {
        // ---- sp-service: anyone
        row("sp-service", "signUp", open());
        row("sp-service", "signIn", open());
        row("sp-service", "requestPasswordReset", open());
        row("sp-service", "resetPassword", open());
        row("sp-service", "getCaCertificate", open());
        row("sp-service", "getRevocationList", open());
        // ---- sp-service: the caller's own account (a session of any member)
        row("sp-service", "signOut", own());
        row("sp-service", "getProfile", own());
        row("sp-service", "updateProfile", own());
        row("sp-service", "changePassword", own());
        row("sp-service", "listMyDevices", own());
        row("sp-service", "registerDevice", own());
        row("sp-service", "getOrganization", own());
        row("sp-service", "listMembers", own());
        row("sp-service", "listSharedFolders", own());
        row("sp-service", "createSharedFolder", own());
        row("sp-service", "listGroups", own());
        row("sp-service", "getGroup", own());
        // ---- sp-service: A's device and folder (another user gets 404: ids cannot be probed)
        row("sp-service", "getDevice", owned(R404));
        row("sp-service", "renameDevice", owned(R404), "{\"name\": \"taken over\"}");
        row("sp-service", "unlinkDevice", owned(R404));
        row("sp-service", "getSharedFolder", owned(R404));
        row("sp-service", "renameSharedFolder", owned(R404), "{\"name\": \"taken over\"}");
        row("sp-service", "destroySharedFolder", owned(R404));
        row("sp-service", "inviteToSharedFolder", owned(R404), "{\"email\": \"intruder@example.com\", \"role\": \"OWNER\"}");
        row("sp-service", "setSharedFolderRole", owned(R404), "{\"role\": \"VIEWER\"}");
        row("sp-service", "removeSharedFolderMember", owned(R404));
        row("sp-service", "shareSharedFolderWithGroup", owned(R404), "{\"group_id\": {GROUP}, \"role\": \"OWNER\"}");
        row("sp-service", "unshareSharedFolderFromGroup", owned(R404));
        row("sp-service", "joinSharedFolder", owned(R404));
        row("sp-service", "leaveSharedFolder", owned(R404));
        row("sp-service", "ignoreSharedFolder", owned(R404));
        // ---- sp-service: organization admins only
        row("sp-service", "requestDeviceLogs", admin());
        row("sp-service", "listDeviceLogs", admin());
        row("sp-service", "downloadDeviceLogs", admin());
        row("sp-service", "deleteDeviceLogs", admin());
        row("sp-service", "listDeviceCommands", admin());
        row("sp-service", "redriveDeviceDeadLetters", admin());
        row("sp-service", "inviteMember", admin());
        row("sp-service", "setMemberRole", admin());
        row("sp-service", "deactivateMember", admin());
        row("sp-service", "listOrganizationSharedFolders", admin());
        row("sp-service", "listOrganizationDevices", admin());
        row("sp-service", "listAuditEvents", admin());
        row("sp-service", "registerTeamServer", admin());
        row("sp-service", "createGroup", admin());
        row("sp-service", "renameGroup", admin());
        row("sp-service", "deleteGroup", admin());
        row("sp-service", "addGroupMember", admin());
        row("sp-service", "removeGroupMember", admin());
        // ---- sp-service: devices, with their certificate on the device port
        row("sp-service", "getAcl", ownDevice());
        row("sp-service", "recertifyDevice", device(R401), "{\"csr\": \"-----BEGIN CERTIFICATE REQUEST-----\"}");
        row("sp-service", "issueXmppToken", device(R401));
        row("sp-service", "uploadDeviceLogs", device(R401));
        // ---- sp-service: platform services
        row("sp-service", "issueServiceCertificate", service());
        row("sp-service", "listStores", service());
        row("sp-service", "getStoreDevices", service());
        row("sp-service", "getDeviceStores", service());

        // ---- command-server
        row("command-server", "enqueueCommandByType", service());
        row("command-server", "listCommandTypes", service());
        row("command-server", "listDevicesWithDeadLetters", service());
        row("command-server", "getQueueStats", service());
        row("command-server", "flushCommands", service());
        row("command-server", "listCommands", service());
        row("command-server", "enqueueCommand", service());
        row("command-server", "replaceCommands", service());
        row("command-server", "enqueueCommandBatch", service());
        row("command-server", "listDeadLetters", service());
        row("command-server", "redriveDeadLetters", service());
        row("command-server", "getHead", device(new Allowed("an unlinked device must still read its UNLINK_SELF command")));
        row("command-server", "ackHead", device(new Authenticated("an unlinked device acknowledges its UNLINK_SELF command")),
                "{\"epoch\": 1}");

        // ---- devman
        row("devman", "checkIn", ownDevice());
        row("devman", "getDeviceStatuses", service());
        row("devman", "getDeviceStatus", service());
        row("devman", "reportPresence", service());
        row("devman", "getStats", service());

        // ---- verkehr-push (no device port: device certificates come as a forged forwarded header)
        row("verkehr-push", "getConnection", service());
        row("verkehr-push", "listConnections", service());
        row("verkehr-push", "getTopicHistory", service());
        row("verkehr-push", "publish", service());
        row("verkehr-push", "publishBatch", service());
        row("verkehr-push", "getStatus", service());
        row("verkehr-push", "unicast", service());
    }

    private AuthorizationMatrix() {
    }

    private static void row(String service, String operationId, Map<Credential, Outcome> outcomes) {
        row(service, operationId, outcomes, "{}");
    }

    private static void row(String service, String operationId, Map<Credential, Outcome> outcomes, String body) {
        if (outcomes.size() != Credential.values().length) {
            throw new IllegalStateException(service + " " + operationId + ": a row names every credential");
        }
        if (TABLE.put(service + " " + operationId, new Row(outcomes, body)) != null) {
            throw new IllegalStateException(service + " " + operationId + ": two rows");
        }
    }

    private static Map<Credential, Outcome> cells(Outcome none, Outcome otherSession, Outcome nonAdmin, Outcome otherDevice,
            Outcome revokedDevice, Outcome wrongSecret) {
        Map<Credential, Outcome> m = new EnumMap<>(Credential.class);
        m.put(NONE, none);
        m.put(OTHER_USERS_SESSION, otherSession);
        m.put(NON_ADMIN_SESSION, nonAdmin);
        m.put(OTHER_USERS_DEVICE, otherDevice);
        m.put(REVOKED_DEVICE, revokedDevice);
        m.put(WRONG_SERVICE_SECRET, wrongSecret);
        return m;
    }

    /** Needs no credential. */
    private static Map<Credential, Outcome> open() {
        Outcome p = new Public();
        return cells(p, p, p, p, p, p);
    }

    /** A session's own account or organization: any member's session may; nothing else. */
    private static Map<Credential, Outcome> own() {
        return cells(R401, OWN, OWN, R401, R401, R401);
    }

    /** A's resource: A's session may; another user's gets {@code otherUser}; nothing else. */
    private static Map<Credential, Outcome> owned(Outcome otherUser) {
        return cells(R401, otherUser, OWN, R401, R401, R401);
    }

    /** Organization admins only. */
    private static Map<Credential, Outcome> admin() {
        return cells(R401, R403, R403, R401, R401, R401);
    }

    /** The device's own certificate only; another user's device is refused, a revoked one gets {@code revoked}. */
    private static Map<Credential, Outcome> device(Outcome revoked) {
        return cells(R401, R401, R401, new Refused(Set.of(403, 404)), revoked, R401);
    }

    /** The calling device's own resource (no device in the path): any linked device's certificate, nothing else. */
    private static Map<Credential, Outcome> ownDevice() {
        return cells(R401, R401, R401, OWN, R401, R401);
    }

    /** The deployment secret only. */
    private static Map<Credential, Outcome> service() {
        return cells(R401, R401, R401, R401, R401, R401);
    }
    /** What the attempts target and carry. */
    record Subjects(String ownerEmail, String ownerSession, String otherSession, String linkedDevice, String revokedDevice,
            SSLContext otherUsersDeviceTls, String otherUsersDeviceCertificatePem,
            SSLContext revokedDeviceTls, String revokedDeviceCertificatePem, String folder, long group) {
    }

    /** A service of the platform: its HTTP port, its device port (0: none) and where it serves its API document. */
    record Service(String name, int httpPort, int devicePort, String documentPath) {
    }

    static final List<Service> SERVICES = List.of(
            new Service("sp-service", 8080, 8443, "/api/v1/openapi.json"),
            new Service("command-server", 9020, 9021, "/openapi.json"),
            new Service("devman", 8701, 8702, "/openapi.json"),
            new Service("verkehr-push", 25234, 0, "/openapi.json"));

    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * Tries every operation of every service's served document with every credential; returns
     * what differs from the table (empty when all holds) and counts the attempts in {@code tried}.
     */
    static List<String> check(Subjects s, IntFunction<Integer> port,
            AtomicInteger tried) throws Exception {
        List<String> failures = new ArrayList<>();
        Set<String> documented = new HashSet<>();
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpClient otherDevice = tlsClient(s.otherUsersDeviceTls());
        HttpClient revokedDevice = tlsClient(s.revokedDeviceTls());
        for (Service service : SERVICES) {
            URI http = URI.create("http://127.0.0.1:" + port.apply(service.httpPort()));
            HttpResponse<String> doc = plain.send(HttpRequest.newBuilder(http.resolve(service.documentPath()))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            if (doc.statusCode() != 200) {
                failures.add(service.name() + ": no API document at " + service.documentPath() + " (" + doc.statusCode() + ")");
                continue;
            }
            JsonNode root = JSON.readTree(doc.body());
            for (Map.Entry<String, JsonNode> path : root.path("paths").properties()) {
                for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                    if (!METHODS.contains(op.getKey())) {
                        continue;
                    }
                    String id = op.getValue().path("operationId").asString();
                    String key = service.name() + " " + id;
                    documented.add(key);
                    Row row = TABLE.get(key);
                    if (row == null) {
                        failures.add(key + " (" + op.getKey().toUpperCase() + " " + path.getKey() + "): no row in the authorization matrix");
                        continue;
                    }
                    JsonNode security = op.getValue().has("security") ? op.getValue().get("security") : root.path("security");
                    boolean isPublic = security.isArray() && security.isEmpty();
                    if (isPublic != row.outcomes().values().stream().allMatch(o -> o instanceof Public)) {
                        failures.add(key + ": the document says " + (isPublic ? "it needs no credential" : "it needs one")
                                + ", the matrix says otherwise");
                    }
                    for (Map.Entry<Credential, Outcome> cell : row.outcomes().entrySet()) {
                        if (cell.getValue() instanceof Own || cell.getValue() instanceof Public) {
                            continue;
                        }
                        Credential credential = cell.getKey();
                        boolean asDevice = credential == OTHER_USERS_DEVICE || credential == REVOKED_DEVICE;
                        String target = path.getKey()
                                .replace("{did}", credential == REVOKED_DEVICE ? s.revokedDevice() : s.linkedDevice())
                                .replace("{sid}", s.folder())
                                .replace("{groupId}", Long.toString(s.group()))
                                .replace("{email}", URLEncoder.encode(s.ownerEmail(), StandardCharsets.UTF_8))
                                .replace("{token}", "not-a-reset-token")
                                .replace("{type}", "REFRESH_CRL")
                                .replace("{defectId}", "defect-1");
                        URI base = asDevice && service.devicePort() > 0
                                ? URI.create("https://localhost:" + port.apply(service.devicePort()))
                                : http;
                        String method = op.getKey().toUpperCase();
                        boolean body = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
                        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + target))
                                .timeout(Duration.ofSeconds(20))
                                .method(method, body ? HttpRequest.BodyPublishers.ofString(row.body().replace("{GROUP}", Long.toString(s.group())))
                                        : HttpRequest.BodyPublishers.noBody());
                        if (body) {
                            // The operation's own media type (a JSON body, or a device's gzip upload).
                            var media = op.getValue().path("requestBody").path("content").propertyNames().iterator();
                            request.header("Content-Type", media.hasNext() ? media.next() : "application/json");
                        }
                        switch (credential) {
                            case NONE -> { }
                            case OTHER_USERS_SESSION -> request.header("Authorization", "Bearer " + s.otherSession());
                            case NON_ADMIN_SESSION -> request.header("Authorization", "Bearer " + s.ownerSession());
                            case WRONG_SERVICE_SECRET -> request.header(ServiceCredential.HEADER,
                                    new ServiceCredential("sp-service", "not-the-deployment-secret").toHeaderValue());
                            case OTHER_USERS_DEVICE, REVOKED_DEVICE -> {
                                if (service.devicePort() == 0) {
                                    // What a front proxy would forward, from an address the service does not trust.
                                    String pem = credential == REVOKED_DEVICE ? s.revokedDeviceCertificatePem() : s.otherUsersDeviceCertificatePem();
                                    request.header("X-Client-Certificate", URLEncoder.encode(pem, StandardCharsets.UTF_8));
                                }
                            }
                        }
                        HttpClient client = !asDevice || service.devicePort() == 0 ? plain
                                : credential == REVOKED_DEVICE ? revokedDevice : otherDevice;
                        HttpResponse<String> answer = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
                        tried.incrementAndGet();
                        String what = key + " " + method + " " + target + " with " + credential + ": " + answer.statusCode() + " "
                                + answer.body().substring(0, Math.min(160, answer.body().length()));
                        int status = answer.statusCode();
                        if (status >= 500) {
                            failures.add(what + " (a 5xx)");
                        } else if (cell.getValue() instanceof Refused refused) {
                            if (!refused.statuses().contains(status)) {
                                failures.add(what + " (expected " + refused.statuses() + ")");
                            } else if (!answer.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json")) {
                                failures.add(what + " (not problem+json)");
                            }
                        } else if (cell.getValue() instanceof Allowed allowed && (status < 200 || status > 299)) {
                            failures.add(what + " (expected 2xx: " + allowed.reason() + ")");
                        } else if (cell.getValue() instanceof Authenticated authenticated && (status == 401 || status == 403)) {
                            failures.add(what + " (expected it past authentication: " + authenticated.reason() + ")");
                        }
                    }
                }
            }
        }
        for (String key : TABLE.keySet()) {
            if (!documented.contains(key)) {
                failures.add(key + ": a row in the authorization matrix for an operation no document lists");
            }
        }
        return failures;
    }

    private static HttpClient tlsClient(SSLContext tls) {
        return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
    }
}
